import { z } from 'zod';
import { isErrorCode, type ErrorCode } from '@offload/contracts';
import type { Delivery } from '@offload/broker';
import type { RecordStore } from '@offload/storage';
import type { Logger } from '@offload/telemetry';
import { DEAD_LETTER_HEADERS } from './dead-letter';
import { markFailed } from './record-updates';

const xDeathSchema = z.array(z.looseObject({ reason: z.string(), queue: z.string().optional() }));

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

/**
 * Consumes the copy of each dead letter and marks its record `failed`, so a task the broker
 * dead-lettered on its own (delivery limit) never stays `processing`. Idempotent.
 */
export function createDeadLetterRecorder(records: RecordStore, logger: Logger) {
  return async (delivery: Delivery): Promise<void> => {
    const id = delivery.messageId;
    if (id === undefined || !z.uuid().safeParse(id).success) {
      delivery.ack();
      return;
    }
    try {
      const { code, message } = deadLetterReason(delivery.headers);
      const outcome = await markFailed(records, id, code, message);
      if (outcome.applied) logger.error({ task_id: id, code }, 'task failed: dead-lettered');
      delivery.ack();
    } catch (err) {
      logger.warn({ err, task_id: id }, 'could not record a dead letter; will retry');
      delivery.nack(true);
    }
  };
}
