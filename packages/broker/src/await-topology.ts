import type { ChannelModel } from 'amqplib';
import type { Topology } from '@offload/contracts';
import type { Logger } from '@offload/telemetry';
import type { AmqpConnectionManager } from './connect';
import { amqpCloseCode } from './errors';

/**
 * The first exchange or queue of the topology that does not exist, or undefined when all do.
 * Passive declares only: they need no permission and change nothing (bindings cannot be checked
 * this way; the declaring process makes them right after its queues).
 */
export async function missingTopology(connection: ChannelModel, topology: Topology): Promise<string | undefined> {
  const channel = await connection.createChannel();
  // A missing name closes the channel with 404, reported by the check itself.
  channel.on('error', () => undefined);
  try {
    for (const exchange of topology.exchanges) {
      if (!(await exists(() => channel.checkExchange(exchange.name)))) return exchange.name;
    }
    for (const queue of topology.queues) {
      if (!(await exists(() => channel.checkQueue(queue.name)))) return queue.name;
    }
    return undefined;
  } finally {
    await channel.close().catch(() => undefined);
  }
}

async function exists(check: () => Promise<unknown>): Promise<boolean> {
  try {
    await check();
    return true;
  } catch (err) {
    if (amqpCloseCode(err) === 404) return false;
    throw err;
  }
}

export interface AwaitTopologyOptions {
  manager: AmqpConnectionManager;
  topology: Topology;
  logger: Logger;
  /** Checked before every attempt: false ends the wait (the channel closed, the owner closes). */
  stillWanted: () => boolean;
  /** First pause between checks; doubles up to `maxDelayMs`. @defaultValue 250 */
  initialDelayMs?: number;
  /** @defaultValue 5 000 */
  maxDelayMs?: number;
}

/**
 * For a process that does not declare the topology (BROKER_DECLARE_TOPOLOGY=false, a user
 * without configure permission): waits until another process (a worker) has declared it.
 * Resolves true once every exchange and queue exists, false when no longer wanted.
 */
export async function awaitTopology(options: AwaitTopologyOptions): Promise<boolean> {
  const maxDelayMs = options.maxDelayMs ?? 5_000;
  let delayMs = options.initialDelayMs ?? 250;
  let warned = false;
  for (;;) {
    const connection = options.manager.connection;
    if (connection === undefined || !options.stillWanted()) return false;
    const missing = await missingTopology(connection, options.topology);
    if (missing === undefined) {
      if (warned) options.logger.info({ prefix: options.topology.prefix }, 'the topology is declared now');
      return true;
    }
    if (!warned) {
      options.logger.warn({ missing }, `waiting for the topology: ${missing} does not exist yet (a worker declares it at start)`);
      warned = true;
    }
    await new Promise((resolve) => setTimeout(resolve, delayMs).unref());
    delayMs = Math.min(maxDelayMs, delayMs * 2);
  }
}
