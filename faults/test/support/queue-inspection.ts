import type { Channel } from 'amqplib';
import { rawConnection } from '@offload/test-support';

/** Direct looks at the broker, beside the system under test: one short connection per call. */
async function withChannel<T>(url: string, use: (channel: Channel) => Promise<T>): Promise<T> {
  const connection = await rawConnection(url);
  try {
    const channel = await connection.createChannel();
    const result = await use(channel);
    await channel.close();
    return result;
  } finally {
    await connection.close();
  }
}

export function queueState(url: string, queue: string): Promise<{ messageCount: number; consumerCount: number }> {
  return withChannel(url, async (channel) => {
    const { messageCount, consumerCount } = await channel.checkQueue(queue);
    return { messageCount, consumerCount };
  });
}

export interface DeadLetter {
  id: string | undefined;
  headers: Record<string, unknown>;
}

/** Lists a dead-letter queue without consuming it: gets each message unacked; closing returns them. */
export function listDeadLetters(url: string, queue: string): Promise<DeadLetter[]> {
  return withChannel(url, async (channel) => {
    const found: DeadLetter[] = [];
    for (;;) {
      const message = await channel.get(queue, { noAck: false });
      if (message === false) return found;
      const id: unknown = message.properties.messageId;
      found.push({ id: typeof id === 'string' ? id : undefined, headers: message.properties.headers ?? {} });
    }
  });
}

/** Publishes straight to a queue (default exchange), confirmed, as a broken producer would. */
export async function publishToQueue(url: string, queue: string, body: Buffer, messageId: string): Promise<void> {
  const connection = await rawConnection(url);
  try {
    const channel = await connection.createConfirmChannel();
    channel.sendToQueue(queue, body, { messageId, type: 'watermark', persistent: true });
    await channel.waitForConfirms();
    await channel.close();
  } finally {
    await connection.close();
  }
}
