import { randomUUID } from 'node:crypto';
import { encodeTaskPayload, type TaskInput, type TaskPayload, type TaskRecord, type Topology } from '@offload/contracts';
import type { Publisher } from '@offload/broker';
import type { Storage } from '@offload/storage';
import type { Logger, Metrics } from '@offload/telemetry';
import { HttpProblem } from './http-errors';
import { assertUploadsExist } from './upload-references';

export interface SubmitDeps {
  publisher: Publisher;
  storage: Storage;
  topology: Topology;
  metrics: Metrics;
  /** Seconds a client should wait before retrying after a 503. */
  retryAfterSeconds: number;
}

export interface SubmitContext {
  log: Logger;
  traceparent?: string;
}

/**
 * The accept path: write the record (`queued`), publish with a confirm, and only then accept.
 * When the broker does not confirm, the record ends `failed` / `not_accepted` and the client gets
 * 503: a late copy of the message that reaches a worker anyway is dropped unrun.
 */
export async function submitTask(deps: SubmitDeps, input: TaskInput, ctx: SubmitContext): Promise<TaskRecord> {
  await assertUploadsExist(deps.storage.blobs, input);
  const now = new Date().toISOString();
  const id = randomUUID();
  const record: TaskRecord = {
    id,
    task_type: input.task_type,
    status: 'queued',
    attempts: 0,
    created_at: now,
    updated_at: now,
  };
  await deps.storage.records.create(record);
  // The same discriminated union, now carrying its envelope fields.
  const payload = { v: 1, id, task_type: input.task_type, content: input.content, created_at: now, retry_count: 0 } as TaskPayload;
  const log = ctx.log.child({ task_id: id, task_type: input.task_type });
  const timer = deps.metrics.publishDuration.startTimer();
  try {
    await deps.publisher.publish({
      exchange: deps.topology.taskExchange,
      routingKey: input.task_type,
      body: Buffer.from(encodeTaskPayload(payload)),
      messageId: id,
      type: input.task_type,
      ...(ctx.traceparent === undefined ? {} : { headers: { traceparent: ctx.traceparent } }),
    });
    timer({ outcome: 'confirmed' });
  } catch (err) {
    timer({ outcome: 'not_confirmed' });
    const outcome = await deps.storage.records.update(id, (current) =>
      current.status === 'queued'
        ? {
            ...current,
            status: 'failed',
            updated_at: new Date().toISOString(),
            finished_at: new Date().toISOString(),
            error: { code: 'not_accepted', message: 'the broker did not confirm the task in time; it was not accepted' },
          }
        : undefined,
    );
    if (!outcome.applied && outcome.record !== undefined) {
      // A worker already took the message: the broker had it after all, so it is accepted.
      log.warn({ err, status: outcome.record.status }, 'publish unconfirmed but a worker already took the task; accepting it');
      deps.metrics.tasksSubmitted.inc({ task_type: input.task_type, outcome: 'accepted' });
      return outcome.record;
    }
    log.warn({ err }, 'task not accepted: no broker confirm');
    deps.metrics.tasksSubmitted.inc({ task_type: input.task_type, outcome: 'not_accepted' });
    throw new HttpProblem('broker_unavailable', 'the broker did not confirm the task in time; it was not accepted, retry later', undefined, {
      'Retry-After': String(deps.retryAfterSeconds),
    });
  }
  deps.metrics.tasksSubmitted.inc({ task_type: input.task_type, outcome: 'accepted' });
  return record;
}

/** The 202 body, and what `Location` points to. */
export function acceptedBody(record: TaskRecord) {
  const self = `/v1/tasks/${record.id}`;
  return {
    id: record.id,
    task_type: record.task_type,
    status: record.status,
    links: { self, result: `${self}/result` },
  };
}
