import type { Channel } from 'amqplib';
import type { QueueDepthSource } from '@offload/contracts';
import type { Logger } from '@offload/telemetry';
import type { AmqpConnectionManager } from './connect';
import { amqpCloseCode } from './errors';
import type { ManagementApi } from './management-api';

/**
 * Where a report's numbers came from: the management API (ready and unacked), AMQP's passive
 * declare (ready only: AMQP does not tell unacked messages), or nowhere (no broker connection).
 * GET /v1/stats shows it as `queues.source`.
 */
export type { QueueDepthSource } from '@offload/contracts';

export interface QueueDepth {
  queue: string;
  /** Messages waiting for a consumer; null when unknown. */
  ready: number | null;
  /** Messages delivered and not yet acknowledged; null when unknown (always, from AMQP). */
  unacked: number | null;
}

export interface QueueDepthReport {
  source: QueueDepthSource;
  /** In the order asked for. */
  queues: QueueDepth[];
}

export interface QueueDepthsOptions {
  manager: AmqpConnectionManager;
  /** Asked first; without it, only AMQP is. */
  management?: ManagementApi;
  logger: Logger;
  /** How long the AMQP fallback may take. @defaultValue 2 000 */
  timeoutMs?: number;
}

export interface QueueDepths {
  /** The queues' depths, all from one source. Never throws: a broker out of reach reports `unavailable`. */
  read(queues: readonly string[]): Promise<QueueDepthReport>;
}

function withDeadline<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

/**
 * Queue depths for GET /v1/stats: from the management API when it answers, else from a passive
 * `checkQueue` on a short-lived channel (the queue is never declared or changed), which knows
 * ready messages only.
 */
export function createQueueDepths(options: QueueDepthsOptions): QueueDepths {
  const log = options.logger.child({ component: 'queue-depths' });
  const timeoutMs = options.timeoutMs ?? 2_000;
  let managementDown = false;

  async function viaAmqp(queues: readonly string[]): Promise<QueueDepth[]> {
    const connection = options.manager.connection;
    if (connection === undefined) throw new Error('not connected to RabbitMQ');
    const open = async (): Promise<Channel> => {
      const channel = await connection.createChannel();
      // A missing queue closes the channel with 404, reported by checkQueue itself.
      channel.on('error', () => undefined);
      return channel;
    };
    let channel = await open();
    const depths: QueueDepth[] = [];
    try {
      for (const queue of queues) {
        try {
          const ok = await channel.checkQueue(queue);
          depths.push({ queue, ready: ok.messageCount, unacked: null });
        } catch (err) {
          if (amqpCloseCode(err) !== 404) throw err;
          depths.push({ queue, ready: null, unacked: null });
          channel = await open();
        }
      }
    } finally {
      await channel.close().catch(() => undefined);
    }
    return depths;
  }

  return {
    async read(queues) {
      const management = options.management;
      if (management !== undefined) {
        try {
          const counts = await Promise.all(queues.map((queue) => management.queueCounts(queue)));
          if (managementDown) log.info({ management_api: management.location }, 'the RabbitMQ management API answers again');
          managementDown = false;
          return { source: 'management_api', queues: queues.map((queue, i) => ({ queue, ready: counts[i]?.ready ?? null, unacked: counts[i]?.unacked ?? null })) };
        } catch (err) {
          if (!managementDown) log.warn({ err, management_api: management.location }, 'the RabbitMQ management API did not answer; queue depths come from AMQP (ready only) until it does');
          managementDown = true;
        }
      }
      try {
        return { source: 'amqp', queues: await withDeadline(viaAmqp(queues), timeoutMs, 'checking the queues over AMQP') };
      } catch (err) {
        log.warn({ err }, 'queue depths unavailable: no answer from RabbitMQ');
        return { source: 'unavailable', queues: queues.map((queue) => ({ queue, ready: null, unacked: null })) };
      }
    },
  };
}
