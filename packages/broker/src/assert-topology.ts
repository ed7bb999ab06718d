import type { Channel } from 'amqplib';
import type { Topology } from '@offload/contracts';

/**
 * Declares every exchange, queue and binding of the topology. Idempotent, so every API and worker
 * runs it on every (re)connect. A queue that exists with other arguments makes the broker close
 * the channel with 406: that surfaces as an irrecoverable error, never a silent mismatch.
 */
export async function assertTopology(channel: Channel, topology: Topology): Promise<void> {
  for (const exchange of topology.exchanges) {
    await channel.assertExchange(exchange.name, exchange.type, { durable: true, autoDelete: false });
  }
  for (const queue of topology.queues) {
    await channel.assertQueue(queue.name, { durable: true, exclusive: false, autoDelete: false, arguments: { ...queue.arguments } });
  }
  for (const binding of topology.bindings) {
    if (binding.destinationType === 'queue') {
      await channel.bindQueue(binding.destination, binding.source, binding.pattern);
    } else {
      await channel.bindExchange(binding.destination, binding.source, binding.pattern);
    }
  }
}

/** Deletes everything the topology declares (tests, and `dlq` tooling never calls it). */
export async function deleteTopology(channel: Channel, topology: Topology): Promise<void> {
  for (const queue of topology.queues) await channel.deleteQueue(queue.name);
  for (const exchange of topology.exchanges) await channel.deleteExchange(exchange.name);
}
