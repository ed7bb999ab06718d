import type { DeadLetterQueueReader } from '@offload/broker';
import type { DeadLetterRow } from './entry';
import { EVERY_DEAD_LETTER, selectDeadLetters, type DeadLetterReadOptions, type DeadLetterSelection } from './selection';

export interface DeadLetterListing {
  /** The selected dead letters, in queue order. */
  rows: DeadLetterRow[];
  /** True when the read stopped at `maxEntries` with more in the queue: `rows` are of the first part only. */
  truncated: boolean;
}

/**
 * The selected dead letters, in queue order. The reader takes them (unacked) and the caller's
 * `reader.close()` puts them all back, so listing never removes or drops one. Each return
 * counts toward the queue's delivery limit (DEAD_LETTER_DELIVERY_LIMIT, 1,000,000), far out of
 * reach of listings made on demand: a caller must not poll in a loop.
 */
export async function listDeadLetters(
  reader: DeadLetterQueueReader,
  selection: DeadLetterSelection = EVERY_DEAD_LETTER,
  options: DeadLetterReadOptions = {},
): Promise<DeadLetterListing> {
  const { entries, truncated } = await reader.read(options.maxEntries ?? Number.POSITIVE_INFINITY);
  return { rows: selectDeadLetters(entries, selection).selected.map((s) => s.row), truncated };
}
