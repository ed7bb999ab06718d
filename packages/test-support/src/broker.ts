import { randomUUID } from 'node:crypto';
import amqplib from 'amqplib';
import { buildTopology, type Topology } from '@offload/contracts';

export const TEST_AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@localhost:5672';

/** A queue-name prefix of its own for each test file, so files run side by side on one broker. */
export function uniquePrefix(): string {
  return `test-${randomUUID().slice(0, 8)}`;
}

/**
 * Deletes every queue and exchange of the topology (quorum queues cannot auto-delete). Safe to
 * call when none were declared.
 */
export async function deleteTestTopology(topologyOrPrefix: Topology | string, url: string = TEST_AMQP_URL): Promise<void> {
  const topology = typeof topologyOrPrefix === 'string' ? buildTopology(topologyOrPrefix) : topologyOrPrefix;
  const connection = await amqplib.connect(url);
  try {
    const channel = await connection.createChannel();
    for (const queue of topology.queues) await channel.deleteQueue(queue.name);
    for (const exchange of topology.exchanges) await channel.deleteExchange(exchange.name);
    await channel.close();
  } finally {
    await connection.close();
  }
}

/** A plain amqplib connection for tests that inspect or inject messages directly. */
export async function rawConnection(url: string = TEST_AMQP_URL): Promise<amqplib.ChannelModel> {
  return amqplib.connect(url);
}
