export { connectBroker, openBrokerConnection, waitForBroker, brokerFailureMessage, redactUrl, reconnectDelayMs, type AmqpConnectionManager, type BrokerConnectionOptions } from './connect';
export { assertTopology, deleteTopology } from './assert-topology';
export { awaitTopology, missingTopology, type AwaitTopologyOptions } from './await-topology';
export { createCallbackAnnouncer, CALLBACK_MESSAGE_TYPE, type AnnounceCallback, type CallbackAnnouncerDeps } from './callback-announcer';
export { createPublisher, type Publisher, type PublisherOptions, type PublishMessage } from './publisher';
export {
  openDeadLetterQueue,
  QueueNotFoundError,
  type DeadLetterBatch,
  type DeadLetterEntry,
  type DeadLetterQueueOptions,
  type DeadLetterQueueReader,
} from './dead-letter-queue';
export { createSubscriber, type Delivery, type Subscriber, type SubscriberOptions } from './subscriber';
export {
  createManagementApi,
  managementUrlFrom,
  vhostFromAmqpUrl,
  ManagementApiError,
  type ManagementApi,
  type ManagementApiOptions,
  type QueueMessageCounts,
} from './management-api';
export { createQueueDepths, type QueueDepth, type QueueDepthReport, type QueueDepths, type QueueDepthsOptions, type QueueDepthSource } from './queue-depths';
export {
  NotAcceptedError,
  type NotAcceptedReason,
  BrokerUnreachableError,
  BrokerRefusedError,
  IRRECOVERABLE_AMQP_CODES,
  amqpCloseCode,
  isIrrecoverableChannelError,
} from './errors';
