import type { ChannelWrapper } from 'amqp-connection-manager';
import type { ConfirmChannel, Message } from 'amqplib';
import { SIGNATURE_HEADER, type MessageSigner, type Topology } from '@offload/contracts';
import { endSendSpan, startSendSpan, type Logger } from '@offload/telemetry';
import type { AmqpConnectionManager } from './connect';
import { assertTopology } from './assert-topology';
import { awaitTopology } from './await-topology';
import { BrokerRefusedError, NotAcceptedError, isIrrecoverableChannelError } from './errors';

export interface PublisherOptions {
  manager: AmqpConnectionManager;
  topology: Topology;
  logger: Logger;
  /** A publish not confirmed within this time is not accepted. @defaultValue 5000 */
  publishTimeoutMs?: number;
  /** Publishes waiting for a channel beyond this are refused at once (bounded memory). @defaultValue 1000 */
  maxBufferedPublishes?: number;
  /**
   * Signs each publish (its body and messageId) into the `offload-signature` header
   * (TASK_SIGNING_KEY), unless the message says `sign: false`. @defaultValue none: unsigned
   */
  sign?: Pick<MessageSigner, 'sign'>;
  /**
   * Declare the topology on every (re)connect (needs configure permission on its names), or only
   * check passively that it exists and wait until another process (a worker) has declared it.
   * @defaultValue true
   */
  declareTopology?: boolean;
}

export interface PublishMessage {
  exchange: string;
  routingKey: string;
  body: Buffer;
  /** The task id. */
  messageId: string;
  /** The task type. */
  type: string;
  headers?: Record<string, string | number | boolean>;
  /**
   * False sends `headers` as given, signature included, instead of signing: a copy of a message
   * that was never verified (a dead letter, a release on shutdown) must not gain a valid
   * signature. @defaultValue true (when the publisher has `sign`)
   */
  sign?: boolean;
  /** With tracing on, an event on this publish's `send` span (`offload.redrive`). @defaultValue none */
  traceEvent?: string;
}

export interface Publisher {
  /**
   * Publishes persistent and mandatory, and resolves only once the broker confirmed it. Throws
   * NotAcceptedError when there is no connection, the buffer is full, the confirm does not come
   * in time, the broker nacks it, or no queue was bound to take it.
   */
  publish(message: PublishMessage): Promise<void>;
  /** True while a confirm channel is open. */
  isReady(): boolean;
  /**
   * Resolves once the channel is open and the topology asserted (or found). Rejects with
   * BrokerRefusedError when the broker refused to declare it (403 for a user without configure
   * permission, 406 for a queue that exists with other arguments).
   */
  waitForReady(): Promise<void>;
  close(): Promise<void>;
}

export function createPublisher(options: PublisherOptions): Publisher {
  const publishTimeoutMs = options.publishTimeoutMs ?? 5_000;
  const maxBuffered = options.maxBufferedPublishes ?? 1_000;
  const log = options.logger.child({ component: 'publisher' });
  // Message ids the broker returned as unroutable. A return always precedes the confirm of the
  // same message on a channel, so the publish checks this set once its confirm arrives.
  const returned = new Map<string, number>();
  const declare = options.declareTopology ?? true;
  let ready = false;
  let closed = false;
  /** True while this (non-declaring) channel waits for another process to declare the topology. */
  let awaiting = false;
  let refuse: (err: BrokerRefusedError) => void = () => undefined;
  const refused = new Promise<never>((_resolve, reject) => {
    refuse = reject;
  });
  // Only waitForReady's caller needs to hear it.
  refused.catch(() => undefined);

  const onReturn = (message: Message): void => {
    const id = message.properties.messageId;
    if (typeof id === 'string') returned.set(id, (returned.get(id) ?? 0) + 1);
    log.error({ task_id: id, routing_key: message.fields.routingKey }, 'broker returned an unroutable message');
  };

  const channel: ChannelWrapper = options.manager.createChannel({
    name: 'publisher',
    confirm: true,
    publishTimeout: publishTimeoutMs,
    setup: async (raw: ConfirmChannel) => {
      let live = true;
      raw.on('return', onReturn);
      raw.on('close', () => {
        live = false;
        ready = false;
      });
      try {
        if (declare) await assertTopology(raw, options.topology);
        else {
          awaiting = true;
          const found = await awaitTopology({ manager: options.manager, topology: options.topology, logger: log, stillWanted: () => live && !closed }).finally(() => {
            awaiting = false;
          });
          if (!found) return;
        }
      } catch (err) {
        if (isIrrecoverableChannelError(err)) {
          refuse(new BrokerRefusedError(`RabbitMQ refused to declare the topology: ${err instanceof Error ? err.message : String(err)}`, { cause: err }));
        }
        throw err;
      }
      ready = true;
    },
  });
  channel.on('error', (err: Error) => log.error({ err }, 'publisher channel error'));

  function takeReturned(id: string): boolean {
    const count = returned.get(id);
    if (count === undefined) return false;
    if (count <= 1) returned.delete(id);
    else returned.set(id, count - 1);
    return true;
  }

  return {
    async publish(message) {
      if (awaiting) {
        throw new NotAcceptedError('no_channel', 'the queues are not declared on the broker yet (no worker has started)');
      }
      if (!ready || !options.manager.isConnected()) {
        throw new NotAcceptedError('no_channel', 'no channel to the broker (it is down or unreachable)');
      }
      if (channel.queueLength() >= maxBuffered) {
        throw new NotAcceptedError('buffer_full', `the publish buffer is full (${maxBuffered} messages waiting for the broker)`);
      }
      const headers = { ...message.headers };
      // With tracing on: a PRODUCER span per publish, whose traceparent replaces the one given.
      const traced = startSendSpan({ ...message, bodySize: message.body.length, headers, event: message.traceEvent });
      if (traced !== undefined) Object.assign(headers, traced.headers);
      try {
        await publishConfirmed(message, headers);
        if (traced !== undefined) endSendSpan(traced.span);
      } catch (err) {
        if (traced !== undefined) endSendSpan(traced.span, err);
        throw err;
      }
    },
    isReady: () => ready && options.manager.isConnected(),
    waitForReady: () => Promise.race([channel.waitForConnect(), refused]),
    close: () => {
      closed = true;
      return channel.close();
    },
  };

  /** Signs (unless told not to), publishes and waits for the confirm; unroutable is a refusal. */
  async function publishConfirmed(message: PublishMessage, headers: Record<string, string | number | boolean>): Promise<void> {
    if (options.sign !== undefined && message.sign !== false) headers[SIGNATURE_HEADER] = await options.sign.sign(message.messageId, message.body);
    try {
      await channel.publish(message.exchange, message.routingKey, message.body, {
        persistent: true,
        mandatory: true,
        contentType: 'application/json',
        contentEncoding: 'utf-8',
        messageId: message.messageId,
        type: message.type,
        timestamp: Math.floor(Date.now() / 1000),
        headers,
        timeout: publishTimeoutMs,
      });
    } catch (err) {
      takeReturned(message.messageId);
      throw unconfirmed(err, publishTimeoutMs);
    }
    if (takeReturned(message.messageId)) {
      throw new NotAcceptedError('unroutable', `no queue is bound for routing key ${message.routingKey} on ${message.exchange}`);
    }
  }
}

/** amqp-connection-manager's rejections, by their (only) distinguishing mark: the message. */
export function unconfirmed(err: unknown, publishTimeoutMs: number): NotAcceptedError {
  const message = err instanceof Error ? err.message : String(err);
  if (message === 'timeout') return new NotAcceptedError('timeout', `not confirmed by the broker within PUBLISH_TIMEOUT_MS (${publishTimeoutMs} ms)`, { cause: err });
  if (/^not connected/i.test(message)) return new NotAcceptedError('no_channel', 'no channel to the broker (it is down or unreachable)', { cause: err });
  if (message === 'Channel closed') return new NotAcceptedError('channel_closed', 'the channel to the broker closed before it confirmed', { cause: err });
  return new NotAcceptedError('nacked', 'the broker refused the message (nack)', { cause: err });
}
