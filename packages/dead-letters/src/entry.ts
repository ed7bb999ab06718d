import { decodeTaskPayload, type DecodeResult, type ErrorCode } from '@offload/contracts';
import type { DeadLetterEntry } from '@offload/broker';
import { DEAD_LETTER_HEADERS } from './headers';
import { messageNames, type MessageNames } from './message-names';
import { deadLetterReason, deadLetteredAtMs } from './reason';

/** One dead letter as `dlq list` shows it (snake_case: `--json` prints these objects, and `GET /v1/dead-letters` answers with them). */
export interface DeadLetterRow {
  /**
   * The envelope's task id. For a body that is not a valid envelope, the id its properties or
   * body name (a UUID), else null; `task_type` likewise (a short identifier).
   */
  id: string | null;
  task_type: string | null;
  reason: ErrorCode;
  error: string;
  attempts: number | null;
  dead_lettered_at: string | null;
  source_queue: string | null;
  /** False for a body that is not a valid envelope: it cannot be re-driven. */
  decodable: boolean;
}

/**
 * The task id a dead letter belongs to (lower case): its envelope's, or else the id the message
 * names (see `messageNames`). `list` shows it, and `--id` selects by it.
 */
export function entryTaskId(entry: DeadLetterEntry, decoded: DecodeResult = decodeTaskPayload(entry.body)): string | undefined {
  return entryNames(entry, decoded).id;
}

function entryNames(entry: DeadLetterEntry, decoded: DecodeResult): MessageNames {
  return decoded.ok ? { id: decoded.payload.id.toLowerCase(), task_type: decoded.payload.task_type } : messageNames(entry);
}

/** Reads what offload's `x-offload-*` headers (or the broker's `x-death`) say about a dead letter. */
export function describeDeadLetter(entry: DeadLetterEntry): DeadLetterRow {
  const decoded = decodeTaskPayload(entry.body);
  const { headers } = entry;
  const { code, message } = deadLetterReason(headers);
  // Operators read this: the error's own text where the record has the client's version.
  const detail = headers[DEAD_LETTER_HEADERS.errorDetail];
  const attempts = headers[DEAD_LETTER_HEADERS.attempts];
  const sourceQueue = headers[DEAD_LETTER_HEADERS.sourceQueue];
  const names = entryNames(entry, decoded);
  return {
    id: names.id ?? null,
    task_type: names.task_type ?? null,
    reason: code,
    error: typeof detail === 'string' ? detail : message,
    // A dead letter the broker made has no attempts header; its envelope counts the earlier retries.
    attempts: typeof attempts === 'number' ? attempts : decoded.ok ? decoded.payload.retry_count + 1 : null,
    dead_lettered_at: deadLetteredAt(entry),
    source_queue: typeof sourceQueue === 'string' ? sourceQueue : firstDeathQueue(headers),
    decodable: decoded.ok,
  };
}

function deadLetteredAt(entry: DeadLetterEntry): string | null {
  const ms = deadLetteredAtMs(entry.headers) ?? entry.timestampMs;
  return ms === undefined ? null : new Date(ms).toISOString();
}

function firstDeathQueue(headers: Readonly<Record<string, unknown>>): string | null {
  const queue = headers['x-first-death-queue'];
  return typeof queue === 'string' ? queue : null;
}
