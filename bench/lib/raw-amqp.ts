import amqplib, { type ConfirmChannel } from 'amqplib';

export const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@localhost:5672';

/** A durable quorum queue bound to a direct exchange of its own (offload routes through one too). */
export async function assertRawQueue(channel: amqplib.Channel, queue: string): Promise<void> {
  await channel.assertExchange(`${queue}.x`, 'direct', { durable: true });
  await channel.assertQueue(queue, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
  await channel.bindQueue(queue, `${queue}.x`, queue);
}

export async function deleteRawQueue(queue: string): Promise<void> {
  const connection = await amqplib.connect(AMQP_URL);
  try {
    const channel = await connection.createChannel();
    await channel.deleteQueue(queue);
    await channel.deleteExchange(`${queue}.x`);
    await channel.close();
  } finally {
    await connection.close();
  }
}

const PUBLISH_OPTIONS = { persistent: true, mandatory: true, contentType: 'application/json' };

/** One message, resolved on its confirm. */
export function publishOne(channel: ConfirmChannel, exchange: string, routingKey: string, body: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    channel.publish(exchange, routingKey, body, PUBLISH_OPTIONS, (err) => (err ? reject(err instanceof Error ? err : new Error('the broker nacked a publish')) : resolve()));
  });
}

/**
 * Publishes `count` messages with at most `window` unconfirmed at a time (persistent, mandatory),
 * resolving once the broker confirmed all of them. `body(i)` builds message i just before it goes.
 */
export async function publishWindowed(channel: ConfirmChannel, exchange: string, routingKey: string, count: number, window: number, body: (i: number) => Buffer): Promise<void> {
  let outstanding = 0;
  let failed: Error | undefined;
  let wake: (() => void) | undefined;
  const settle = (err: unknown) => {
    outstanding -= 1;
    if (err) failed ??= err instanceof Error ? err : new Error('the broker nacked a publish');
    wake?.();
  };
  const waitUntil = async (ok: () => boolean) => {
    while (!ok()) await new Promise<void>((r) => (wake = r));
    wake = undefined;
  };
  for (let i = 0; i < count; i++) {
    if (outstanding >= window) await waitUntil(() => outstanding < window || failed !== undefined);
    if (failed) throw failed;
    outstanding += 1;
    const flushed = channel.publish(exchange, routingKey, body(i), PUBLISH_OPTIONS, settle);
    if (!flushed) await new Promise<void>((r) => channel.once('drain', r));
  }
  await waitUntil(() => outstanding === 0);
  if (failed) throw failed;
}
