import type { ErrorCode } from '@offload/contracts';
import type { DeadLetterQueueReader } from '@offload/broker';
import { selectDeadLetters, type DeadLetterReadOptions, type DeadLetterSelection } from './selection';

/** What a dead letter was, as a purge reports it (the same names as `list`). */
interface PurgedEntry {
  id: string | null;
  task_type: string | null;
  reason: ErrorCode;
}

/** What happened to one selected dead letter (or to an id that matched none). */
export type PurgeOutcome =
  /** Acked, and the broker confirmed it processed the ack: gone for good. */
  | ({ kind: 'purged' } & PurgedEntry)
  /** Not acked because the reader's channel had closed: the broker put it back in the queue. */
  | ({ kind: 'left' } & PurgedEntry)
  /** Acked, but the channel closed before the broker confirmed: it may still be in the queue. */
  | ({ kind: 'unconfirmed' } & PurgedEntry)
  | { kind: 'not_found'; id: string };

export interface PurgeDeps {
  /** An open reader on the dead-letter queue; the purge closes it. */
  reader: DeadLetterQueueReader;
}

export interface PurgeReport {
  outcomes: PurgeOutcome[];
  /** True when the read stopped at `maxEntries` with more in the queue: entries past it were not looked at. */
  truncated: boolean;
}

/**
 * Removes the selected dead letters for good, in queue order, and closes the reader: only once
 * the broker has answered the close is an ack known to have taken effect, so only then is the
 * outcome true. Every entry of a selected task goes (a task dead-lettered twice has two).
 * Task records are not read or changed: a purged task stays `failed`, with its error.
 */
export async function purgeDeadLetters(deps: PurgeDeps, selection: DeadLetterSelection, options: DeadLetterReadOptions = {}): Promise<PurgeReport> {
  const { entries, truncated } = await deps.reader.read(options.maxEntries ?? Number.POSITIVE_INFINITY);
  const { selected, notFound } = selectDeadLetters(entries, selection);
  const removed = selected.map(({ entry, row: { id, task_type, reason } }): PurgeOutcome => ({ kind: entry.ack() ? 'purged' : 'left', id, task_type, reason }));
  const confirmed = await deps.reader.close();
  const outcomes = removed.map((o): PurgeOutcome => (o.kind === 'purged' && !confirmed ? { ...o, kind: 'unconfirmed' } : o));
  for (const id of notFound) outcomes.push({ kind: 'not_found', id });
  return { outcomes, truncated };
}

/** True when every selected dead letter is known to be gone (none left, unconfirmed or missing). */
export function purgeCompleted(outcomes: readonly PurgeOutcome[]): boolean {
  return outcomes.every((o) => o.kind === 'purged');
}
