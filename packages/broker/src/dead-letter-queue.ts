import type { Channel, GetMessage } from 'amqplib';
import { OffloadError } from '@offload/contracts';
import type { AmqpConnectionManager } from './connect';
import { BrokerRefusedError, BrokerUnreachableError, amqpCloseCode } from './errors';

/** One message taken from a dead-letter queue and held (unacked) until the reader closes. */
export interface DeadLetterEntry {
  readonly body: Buffer;
  readonly messageId: string | undefined;
  readonly type: string | undefined;
  readonly headers: Readonly<Record<string, unknown>>;
  /** The message's `timestamp` property, in ms since the epoch. */
  readonly timestampMs: number | undefined;
  /**
   * Removes the entry from the queue for good. Returns false, and sends nothing, once the reader's
   * channel has closed: the broker has then already put the entry back.
   */
  ack(): boolean;
}

/** What one `read` took. */
export interface DeadLetterBatch {
  /** In queue order. */
  readonly entries: DeadLetterEntry[];
  /** True when the read stopped at its maximum while the queue still held ready messages. */
  readonly truncated: boolean;
}

export interface DeadLetterQueueReader {
  readonly queue: string;
  /**
   * Takes every message from the queue (basic.get without auto-ack) until it is empty. The entries
   * stay with this reader until acked, or until `close` hands them back to the queue.
   */
  readAll(): Promise<DeadLetterEntry[]>;
  /**
   * `readAll`, stopping after `max` entries: the others stay in the queue, untouched. Messages
   * another reader holds at the time are neither taken nor counted.
   */
  read(max: number): Promise<DeadLetterBatch>;
  /**
   * Closes the channel once every ack is sent (see ACK_BATCH); the broker puts back every entry
   * not acked. Idempotent. Resolves true when every ack is known to have taken effect: the broker
   * answered the close, which it does only after processing the acks sent before it (or none was
   * sent). False when the channel had closed under the reader after an ack was made: those
   * entries may be back in the queue.
   */
  close(): Promise<boolean>;
}

export interface DeadLetterQueueOptions {
  manager: AmqpConnectionManager;
  /** The dead-letter queue (`topology.deadLetterQueue`). */
  queue: string;
}

/** The queue to read does not exist: most likely QUEUE_PREFIX names another deployment. */
export class QueueNotFoundError extends OffloadError {
  constructor(queue: string, options: { cause?: unknown } = {}) {
    super('not_found', `queue ${queue} does not exist on this broker (is QUEUE_PREFIX right?)`, options);
    this.name = 'QueueNotFoundError';
  }
}

/**
 * Acks a reader sends at most between two round trips on its channel. RabbitMQ's quorum-queue
 * client inside the broker (rabbit_fifo_client) keeps 32 commands in flight per channel and
 * stashes the others until earlier ones are applied; a channel closed meanwhile drops the stash,
 * so messages whose acks were sent come back (seen on 3.10: 1,363 of 10,000 acked entries back
 * after the close, and 66 of 100). A round trip after every ACK_BATCH acks (below those 32), and
 * one before the close, gives the broker time to apply them, so none is stashed at the close.
 */
const ACK_BATCH = 24;

/**
 * Opens a reader on a dead-letter queue of a connected manager. It uses one plain channel rather
 * than a managed one: delivery tags mean nothing on another channel, so a reader that lost its
 * channel must fail (its entries are back in the queue) instead of silently moving to a new one.
 * The queue is only checked, never declared, so a mistyped prefix creates nothing.
 */
export async function openDeadLetterQueue(options: DeadLetterQueueOptions): Promise<DeadLetterQueueReader> {
  const connection = options.manager.connection;
  if (connection === undefined) throw new BrokerUnreachableError('not connected to RabbitMQ; the connection is being re-established');
  let channel: Channel;
  try {
    channel = await connection.createChannel();
  } catch (err) {
    throw new BrokerUnreachableError(`could not open a channel to RabbitMQ: ${errorText(err)}`, { cause: err });
  }
  let live = true;
  let acked = false;
  let closing: Promise<boolean> | undefined;
  channel.on('close', () => {
    live = false;
  });
  // The broker closing the channel (404 below) also emits 'error'; the failed call reports it.
  channel.on('error', () => undefined);
  try {
    await channel.checkQueue(options.queue);
  } catch (err) {
    if (amqpCloseCode(err) === 404) throw new QueueNotFoundError(options.queue, { cause: err });
    throw err;
  }

  // Acks sent since the last round trip, and acks waiting for the round trip under way.
  let unsynced = 0;
  const waiting: GetMessage[] = [];
  let syncing: Promise<void> | undefined;
  const roundTrips = async (): Promise<void> => {
    try {
      while (live) {
        await channel.checkQueue(options.queue);
        const batch = waiting.splice(0, ACK_BATCH);
        for (const message of batch) channel.ack(message);
        unsynced = batch.length;
        if (unsynced < ACK_BATCH) return;
      }
    } catch {
      // The channel closed: the broker put back what it held; close() says whether acks were lost.
    }
  };
  const sendAck = (message: GetMessage): void => {
    if (syncing !== undefined) {
      waiting.push(message);
      return;
    }
    channel.ack(message);
    unsynced += 1;
    if (unsynced >= ACK_BATCH) {
      syncing = roundTrips().finally(() => {
        syncing = undefined;
      });
    }
  };

  const toEntry = (message: GetMessage): DeadLetterEntry => {
    const { properties } = message;
    let settled = false;
    return {
      body: message.content,
      messageId: typeof properties.messageId === 'string' ? properties.messageId : undefined,
      type: typeof properties.type === 'string' ? properties.type : undefined,
      headers: properties.headers ?? {},
      timestampMs: typeof properties.timestamp === 'number' ? properties.timestamp * 1000 : undefined,
      ack() {
        if (settled || !live) return false;
        settled = true;
        acked = true;
        sendAck(message);
        return true;
      },
    };
  };

  const read = async (max: number): Promise<DeadLetterBatch> => {
    const entries: DeadLetterEntry[] = [];
    try {
      while (entries.length < max) {
        if (!live) throw new BrokerUnreachableError(`the channel reading ${options.queue} closed; its entries are back in the queue`);
        // Messages this channel holds unacked are not handed out again, so the loop ends once
        // every message has been taken.
        const message = await channel.get(options.queue, { noAck: false });
        if (message === false) return { entries, truncated: false };
        entries.push(toEntry(message));
      }
      const { messageCount } = await channel.checkQueue(options.queue);
      return { entries, truncated: messageCount > 0 };
    } catch (err) {
      throw readFailure(options.queue, err);
    }
  };

  return {
    queue: options.queue,
    read,
    async readAll() {
      return (await read(Number.POSITIVE_INFINITY)).entries;
    },
    close() {
      closing ??= (async () => {
        // Every ack sent, and a round trip after the last ones (ACK_BATCH), before the close;
        // close-ok then comes once the broker has handled them: acked entries are gone, the
        // others are back in the queue.
        while (syncing !== undefined) await syncing;
        if (live && unsynced > 0) await channel.checkQueue(options.queue).catch(() => undefined);
        if (!live) return !acked;
        return channel.close().then(
          () => true,
          (err: unknown) => {
            // Closed under us (connection lost): the broker has put back the entries whose ack
            // it had not processed, and which those are cannot be known.
            if (live) throw err;
            return !acked;
          },
        );
      })();
      return closing;
    },
  };
}

/**
 * Why a read failed, as a typed error: the broker refused this user the queue (no read
 * permission), or the channel went away (its entries are back in the queue).
 */
function readFailure(queue: string, err: unknown): unknown {
  if (err instanceof OffloadError) return err;
  if (amqpCloseCode(err) === 403) return new BrokerRefusedError(`RabbitMQ refused to let this user read ${queue}: ${errorText(err)}`, { cause: err });
  return new BrokerUnreachableError(`lost the channel reading ${queue} (${errorText(err)}); its entries are back in the queue`, { cause: err });
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
