import { CALLBACK_ROUTING_KEY, encodeCallbackDelivery, isTerminalStatus, type TaskRecord, type Topology } from '@offload/contracts';
import type { Publisher } from './publisher';
import type { Logger } from '@offload/telemetry';

export interface CallbackAnnouncerDeps {
  publisher: Pick<Publisher, 'publish'>;
  topology: Topology;
  logger: Logger;
}

/** Queues the webhook delivery of a finished task. */
export type AnnounceCallback = (record: TaskRecord) => Promise<void>;

/** The message type of a webhook delivery (the AMQP `type` property). */
export const CALLBACK_MESSAGE_TYPE = 'callback';

/**
 * Returns `announce(record)`: for a finished record whose webhook is still pending, publishes
 * (confirmed) the message that makes a worker deliver it; for any other record, does nothing.
 * Call it after the record's final write: a delivery reads the record as stored. Throws what the
 * publisher throws (NotAcceptedError), so the caller can retry the settlement that called it.
 */
export function createCallbackAnnouncer(deps: CallbackAnnouncerDeps): AnnounceCallback {
  return async (record) => {
    if (record.callback?.state !== 'pending' || !isTerminalStatus(record.status)) return;
    await deps.publisher.publish({
      exchange: deps.topology.taskExchange,
      routingKey: CALLBACK_ROUTING_KEY,
      body: Buffer.from(encodeCallbackDelivery(record.id)),
      messageId: record.id,
      type: CALLBACK_MESSAGE_TYPE,
    });
    deps.logger.debug({ task_id: record.id, status: record.status }, 'webhook delivery queued');
  };
}
