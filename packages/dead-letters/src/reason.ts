import { z } from 'zod';
import { isErrorCode, type ErrorCode } from '@offload/contracts';
import { DEAD_LETTER_HEADERS } from './headers';

// amqplib decodes a table's timestamp as `{ '!': 'timestamp', value: <seconds> }`.
const amqpTimestampSchema = z.union([z.number(), z.object({ value: z.number() }).transform((t) => t.value)]);
const xDeathSchema = z.array(z.looseObject({ reason: z.string(), queue: z.string().optional(), time: amqpTimestampSchema.optional() }));

/** When a dead letter was made (ms since the epoch): offload's header, else the broker's x-death time. */
export function deadLetteredAtMs(headers: Readonly<Record<string, unknown>>): number | undefined {
  const at = headers[DEAD_LETTER_HEADERS.at];
  if (typeof at === 'string' && Number.isFinite(Date.parse(at))) return Date.parse(at);
  const deaths = xDeathSchema.safeParse(headers['x-death']);
  const seconds = deaths.success ? deaths.data[0]?.time : undefined;
  return seconds === undefined ? undefined : seconds * 1000;
}

/** The code and message a dead letter carries, whether offload or the broker wrote it. */
export function deadLetterReason(headers: Readonly<Record<string, unknown>>): { code: ErrorCode; message: string } {
  const reason = headers[DEAD_LETTER_HEADERS.reason];
  if (isErrorCode(reason)) {
    const error = headers[DEAD_LETTER_HEADERS.error];
    return { code: reason, message: typeof error === 'string' ? error : reason };
  }
  const deaths = xDeathSchema.safeParse(headers['x-death']);
  const death = deaths.success ? deaths.data[0] : undefined;
  if (death?.reason === 'delivery_limit') {
    return { code: 'worker_lost', message: `the broker dead-lettered the task after its delivery limit on ${death.queue ?? 'its queue'}: it kept failing to finish` };
  }
  return { code: 'dead_lettered', message: `the broker dead-lettered the task (${death?.reason ?? 'unknown reason'})` };
}
