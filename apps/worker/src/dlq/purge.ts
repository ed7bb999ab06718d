import type { ErrorCode } from '@offload/contracts';
import type { DeadLetterQueueReader } from '@offload/broker';
import { describeDeadLetter } from './entry';
import type { DeadLetterSelection } from './parse-args';

/** What a dead letter was, as a purge reports it (the same names as `list`). */
interface PurgedEntry {
  id: string | null;
  task_type: string | null;
  reason: ErrorCode;
}

/** What happened to one selected dead letter (or to an `--id` that matched none). */
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

/**
 * Removes the selected dead letters for good, in queue order, and closes the reader: only once
 * the broker has answered the close is an ack known to have taken effect, so only then is the
 * outcome true. Every entry of a selected task goes (a task dead-lettered twice has two).
 * Task records are not read or changed: a purged task stays `failed`, with its error.
 */
export async function purgeDeadLetters(deps: PurgeDeps, selection: DeadLetterSelection): Promise<PurgeOutcome[]> {
  const entries = await deps.reader.readAll();
  const wanted = selection.kind === 'ids' ? new Set(selection.ids) : undefined;
  const seen = new Set<string>();
  const removed: PurgeOutcome[] = [];
  for (const entry of entries) {
    // The id `list` shows is the one `--id` selects by.
    const { id, task_type, reason } = describeDeadLetter(entry);
    if (wanted !== undefined && (id === null || !wanted.has(id))) continue;
    if (id !== null) seen.add(id);
    removed.push({ kind: entry.ack() ? 'purged' : 'left', id, task_type, reason });
  }
  const confirmed = await deps.reader.close();
  const outcomes = removed.map((o): PurgeOutcome => (o.kind === 'purged' && !confirmed ? { ...o, kind: 'unconfirmed' } : o));
  for (const id of wanted ?? []) {
    if (!seen.has(id)) outcomes.push({ kind: 'not_found', id });
  }
  return outcomes;
}

/** 0 when every selected dead letter is known to be gone; 1 when any is left, unconfirmed or missing. */
export function purgeExitCode(outcomes: readonly PurgeOutcome[]): 0 | 1 {
  return outcomes.every((o) => o.kind === 'purged') ? 0 : 1;
}
