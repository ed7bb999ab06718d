import type { ChannelWrapper } from 'amqp-connection-manager';
import type { Channel, ConsumeMessage } from 'amqplib';
import type { Topology } from '@offload/contracts';
import type { Logger } from '@offload/telemetry';
import type { AmqpConnectionManager } from './connect';
import { assertTopology } from './assert-topology';
import { awaitTopology } from './await-topology';

/** One message handed to the application, bound to the channel it arrived on. */
export interface Delivery {
  readonly queue: string;
  readonly body: Buffer;
  readonly messageId: string | undefined;
  readonly type: string | undefined;
  readonly headers: Readonly<Record<string, unknown>>;
  /** Earlier deliveries of this message that did not end in an ack (quorum `x-delivery-count`). */
  readonly deliveryCount: number;
  readonly redelivered: boolean;
  /**
   * Settles the delivery on the channel it came from. Returns false, and sends nothing, when that
   * channel has closed: its delivery tag means nothing on a new channel, and the broker has already
   * requeued the message.
   */
  ack(): boolean;
  nack(requeue: boolean): boolean;
  /** False once the channel it came from has closed. */
  isLive(): boolean;
}

export interface SubscriberOptions {
  manager: AmqpConnectionManager;
  topology: Topology;
  logger: Logger;
  queues: readonly string[];
  /** Unacked deliveries per consumer (quorum queues have no channel-global prefetch). */
  prefetch: number;
  onDelivery: (delivery: Delivery) => void;
  /** Called when the broker closes a channel with an error (e.g. 406 on declare). */
  onChannelError?: (err: Error) => void;
  /**
   * Declare the topology on every (re)connect, or only wait until another process has (a user
   * without configure permission). @defaultValue true
   */
  declareTopology?: boolean;
}

export interface Subscriber {
  /** Resolves once consuming on every queue. */
  start(): Promise<void>;
  /** Stops new deliveries (basic.cancel); unsettled ones can still be settled. Idempotent. */
  stopConsuming(): Promise<void>;
  /** Closes the channel; the broker requeues whatever is still unsettled. */
  close(): Promise<void>;
}

export function createSubscriber(options: SubscriberOptions): Subscriber {
  const log = options.logger.child({ component: 'subscriber' });
  let stopped = false;
  let current: { channel: Channel; consumerTags: string[] } | undefined;

  const setup = async (channel: Channel): Promise<void> => {
    let live = true;
    channel.on('close', () => {
      live = false;
    });
    if (options.declareTopology ?? true) await assertTopology(channel, options.topology);
    else if (!(await awaitTopology({ manager: options.manager, topology: options.topology, logger: log, stillWanted: () => live && !stopped }))) return;
    if (stopped) return;
    await channel.prefetch(options.prefetch, false);
    const consumerTags: string[] = [];
    current = { channel, consumerTags };
    for (const queue of options.queues) {
      const { consumerTag } = await channel.consume(
        queue,
        (message: ConsumeMessage | null) => {
          // null: the broker cancelled the consumer (queue deleted); acm re-consumes on reconnect.
          if (message === null) {
            log.warn({ queue }, 'consumer cancelled by the broker');
            return;
          }
          options.onDelivery(toDelivery(channel, message, queue, () => live));
        },
        { noAck: false },
      );
      consumerTags.push(consumerTag);
    }
  };

  const wrapper: ChannelWrapper = options.manager.createChannel({ name: 'subscriber', confirm: false, setup });
  wrapper.on('error', (err: Error) => {
    log.error({ err }, 'subscriber channel error');
    options.onChannelError?.(err);
  });

  return {
    start: () => wrapper.waitForConnect(),
    async stopConsuming() {
      if (stopped) return;
      stopped = true;
      const active = current;
      if (!active) return;
      await Promise.all(
        active.consumerTags.map((tag) =>
          active.channel.cancel(tag).catch((err: unknown) => log.debug({ err }, 'cancel on a closed channel')),
        ),
      );
    },
    async close() {
      stopped = true;
      // Closing the channel (not just the connection) waits for close-ok, which the broker sends
      // only after it has processed every ack sent before it: acked messages are never requeued.
      await wrapper.close();
    },
  };
}

function toDelivery(channel: Channel, message: ConsumeMessage, queue: string, isLive: () => boolean): Delivery {
  const headers: Record<string, unknown> = message.properties.headers ?? {};
  const count: unknown = headers['x-delivery-count'];
  let settled = false;
  const settle = (send: () => void): boolean => {
    if (settled || !isLive()) return false;
    settled = true;
    send();
    return true;
  };
  return {
    queue,
    body: message.content,
    messageId: typeof message.properties.messageId === 'string' ? message.properties.messageId : undefined,
    type: typeof message.properties.type === 'string' ? message.properties.type : undefined,
    headers,
    deliveryCount: typeof count === 'number' ? count : 0,
    redelivered: message.fields.redelivered,
    ack: () => settle(() => channel.ack(message)),
    nack: (requeue) => settle(() => channel.nack(message, false, requeue)),
    isLive,
  };
}
