import type { DeadLetterQueueReader } from '@offload/broker';
import { describeDeadLetter, type DeadLetterRow } from './entry';

/**
 * Every dead letter, in queue order. The reader takes them all (unacked) and the caller's
 * `reader.close()` puts them all back, so listing never removes or drops one. The queue's
 * delivery limit is far out of reach, because each return counts toward it.
 */
export async function listDeadLetters(reader: DeadLetterQueueReader): Promise<DeadLetterRow[]> {
  const entries = await reader.readAll();
  return entries.map(describeDeadLetter);
}
