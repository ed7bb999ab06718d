import { z } from 'zod';
import {
  SIGNATURE_HEADER,
  decodeTaskPayload,
  describeSignatureFailure,
  taskCreated,
  taskRedriveFailed,
  taskRedriven,
  taskUploads,
  workRoutingKey,
  type TaskError,
  type TaskPayload,
  type TaskRecord,
  type TaskStatus,
  type TaskType,
  type Topology,
  type MessageSigner,
} from '@offload/contracts';
import type { DeadLetterEntry, DeadLetterQueueReader, Publisher } from '@offload/broker';
import type { RecordStore, UpdateOutcome } from '@offload/storage';
import { entryTaskId } from './entry';
import { deadLetterReason } from './reason';
import { selectDeadLetters, type DeadLetterReadOptions, type DeadLetterSelection } from './selection';

/** What happened to one selected dead letter (or to an id that matched none). */
export type RedriveOutcome =
  /** Record queued, message confirmed on the task exchange, dead letter acked. */
  | { kind: 'redriven'; id: string; task_type: TaskType; entry_kept: boolean }
  /** The record is `succeeded`: the dead letter was acked and the task not run again. */
  | { kind: 'already_succeeded'; id: string }
  /** A second dead letter of a task this run already re-drove or found succeeded: acked. */
  | { kind: 'duplicate'; id: string }
  /** The record is queued, processing or retrying: the task is live, so the dead letter stays. */
  | { kind: 'active'; id: string; status: TaskStatus }
  /** With TASK_SIGNING_KEY: its signature does not verify, so it is not signed anew; left in the queue. */
  | { kind: 'unsigned'; id: string; message: string }
  /** The body is not a valid envelope: reported, left in the queue. */
  | { kind: 'undecodable'; id: string | undefined; message: string }
  /** The record or the publish failed (a failed publish puts the record back to `failed`); the dead letter stays. */
  | { kind: 'failed'; id: string; message: string }
  | { kind: 'not_found'; id: string };

export interface RedriveDeps {
  reader: DeadLetterQueueReader;
  publisher: Publisher;
  records: RecordStore;
  topology: Topology;
  /**
   * The keys (TASK_SIGNING_KEY, TASK_SIGNING_KEY_PREVIOUS): a dead letter is re-driven only when
   * its signature verifies, and the publisher signs its copy anew. @defaultValue none: unchecked
   */
  signer?: MessageSigner | undefined;
}

export interface RedriveReport {
  outcomes: RedriveOutcome[];
  /** True when the read stopped at `maxEntries` with more in the queue: entries past it were not looked at. */
  truncated: boolean;
}

const envelopeObjectSchema = z.record(z.string(), z.unknown());

/**
 * Re-drives the selected dead letters one by one, in queue order. For each: the record moves to
 * `queued` first (so a worker that takes the message at once finds it runnable), then the
 * envelope is published with `retry_count: 0` and confirmed, and only then is the dead letter
 * acked. Entries not acked go back to the queue when the caller closes the reader.
 */
export async function redriveDeadLetters(deps: RedriveDeps, selection: DeadLetterSelection, options: DeadLetterReadOptions = {}): Promise<RedriveReport> {
  const { entries, truncated } = await deps.reader.read(options.maxEntries ?? Number.POSITIVE_INFINITY);
  const { selected, notFound } = selectDeadLetters(entries, selection);
  const outcomes: RedriveOutcome[] = [];
  const done = new Set<string>();
  for (const { entry, row } of selected) {
    outcomes.push(
      await redriveEntry(deps, entry, done).catch((err: unknown): RedriveOutcome => ({ kind: 'failed', id: row.id ?? 'unknown', message: errorMessage(err) })),
    );
  }
  for (const id of notFound) outcomes.push({ kind: 'not_found', id });
  return { outcomes, truncated };
}

async function redriveEntry(deps: RedriveDeps, entry: DeadLetterEntry, done: Set<string>): Promise<RedriveOutcome> {
  const decoded = decodeTaskPayload(entry.body);
  if (!decoded.ok) return { kind: 'undecodable', id: entryTaskId(entry, decoded), message: decoded.message };
  const payload = decoded.payload;
  if (done.has(payload.id)) {
    entry.ack();
    return { kind: 'duplicate', id: payload.id };
  }
  if (deps.signer !== undefined) {
    // Signing its copy with the current key would turn a forged message into a valid one.
    const check = await deps.signer.verify(entry.messageId, entry.body, entry.headers[SIGNATURE_HEADER]);
    if (!check.ok) return { kind: 'unsigned', id: payload.id, message: describeSignatureFailure(check) };
  }
  const previous = await deps.records.get(payload.id);
  const moved = await markRedriven(deps.records, payload);
  if (!moved.applied) {
    const status = moved.record?.status;
    if (status === 'succeeded') {
      entry.ack();
      done.add(payload.id);
      return { kind: 'already_succeeded', id: payload.id };
    }
    return { kind: 'active', id: payload.id, status: status ?? 'queued' };
  }
  try {
    await publishAgain(deps, entry, payload);
  } catch (err) {
    const restored = await markRedriveFailed(deps.records, payload.id, previous, deadLetterReason(entry.headers)).then(
      () => 'the record is back to failed',
      (restoreErr: unknown) => `the record could not be put back to failed and stays queued: ${errorMessage(restoreErr)}`,
    );
    return { kind: 'failed', id: payload.id, message: `not published (${errorMessage(err)}); ${restored}` };
  }
  done.add(payload.id);
  // false: the reader's channel closed after the confirm, so the dead letter is back in the
  // queue; a later re-drive finds the task live or succeeded and does not run it twice.
  const acked = entry.ack();
  return { kind: 'redriven', id: payload.id, task_type: payload.task_type, entry_kept: !acked };
}

/**
 * failed → queued (the re-drive move), or a new queued record when there is none. The outcome
 * says which status a record that did not move has.
 */
async function markRedriven(records: RecordStore, payload: TaskPayload): Promise<UpdateOutcome> {
  const outcome = await records.update(payload.id, (current) => taskRedriven(current, new Date()));
  if (outcome.applied || outcome.reason !== 'not_found') return outcome;
  const record = taskCreated(payload, new Date());
  // Its record was deleted by retention (or never written): the new one keeps the uploads left.
  if (await records.create(record, { uploads: taskUploads(payload.task_type, payload.content).map((u) => u.key) })) return { applied: true, record };
  // Created by someone else in between: decide on what is there now.
  return markRedriven(records, payload);
}

/** queued → failed again when the re-drive could not publish, with the failure it had before. */
function markRedriveFailed(records: RecordStore, id: string, previous: TaskRecord | undefined, fallback: TaskError): Promise<UpdateOutcome> {
  return records.update(id, (current) => taskRedriveFailed(current, new Date(), previous, fallback));
}

/**
 * Publishes the original envelope (fields this version does not know included) with retry_count
 * 0, signed anew by the publisher when it has a key (the body changed).
 */
async function publishAgain(deps: RedriveDeps, entry: DeadLetterEntry, payload: TaskPayload): Promise<void> {
  const original = envelopeObjectSchema.parse(JSON.parse(entry.body.toString('utf8')));
  const traceparent = entry.headers.traceparent;
  await deps.publisher.publish({
    exchange: deps.topology.taskExchange,
    routingKey: workRoutingKey(payload.task_type, payload.priority),
    body: Buffer.from(JSON.stringify({ ...original, retry_count: 0 })),
    messageId: payload.id,
    type: payload.task_type,
    headers: typeof traceparent === 'string' ? { traceparent } : {},
    // With tracing on, the send span continues the dead letter's trace and says it is a re-drive.
    traceEvent: 'offload.redrive',
  });
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

const COMPLETED = new Set<RedriveOutcome['kind']>(['redriven', 'already_succeeded', 'duplicate']);

/** True when every selected dead letter was re-driven or removed (none left or missing). */
export function redriveCompleted(outcomes: readonly RedriveOutcome[]): boolean {
  return outcomes.every((o) => COMPLETED.has(o.kind));
}
