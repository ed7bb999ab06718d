import { z } from 'zod';
import type { AnnounceCallback, Delivery } from '@offload/broker';
import { deadLetterReason, deadLetteredAtMs } from '@offload/dead-letters';
import type { Logger } from '@offload/telemetry';
import type { TaskRecordKeeper } from './task-record-keeper';

/**
 * Consumes the copy of each dead letter and marks its record `failed`, so a task the broker
 * dead-lettered on its own (delivery limit) never stays `processing`, and queues its webhook.
 * Idempotent.
 */
export function createDeadLetterRecorder(keeper: TaskRecordKeeper, logger: Logger, announce?: AnnounceCallback) {
  return async (delivery: Delivery): Promise<void> => {
    const id = delivery.messageId;
    if (id === undefined || !z.uuid().safeParse(id).success) {
      delivery.ack();
      return;
    }
    try {
      const { code, message } = deadLetterReason(delivery.headers);
      // A task re-driven after this dead letter was made is queued again: the event is stale.
      const at = deadLetteredAtMs(delivery.headers);
      const moved = await keeper.deadLettered(id, { code, message }, at === undefined ? undefined : new Date(at));
      if (moved !== undefined) {
        logger.error({ task_id: id, code }, 'task failed: dead-lettered');
        await announce?.(moved);
      }
      delivery.ack();
    } catch (err) {
      logger.warn({ err, task_id: id }, 'could not record a dead letter; will retry');
      delivery.nack(true);
    }
  };
}
