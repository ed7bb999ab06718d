import { randomUUID } from 'node:crypto';
import { buildTopology } from '@offload/contracts';
import { createLogger } from '@offload/telemetry';
import { TEST_AMQP_URL, deleteTestTopology, rawConnection, uniquePrefix } from '@offload/test-support';
import {
  connectBroker,
  createPublisher,
  openDeadLetterQueue,
  QueueNotFoundError,
  waitForBroker,
  type AmqpConnectionManager,
  type Publisher,
} from '../src/index';

const logger = createLogger({ name: 'dlq-reader-test', level: 'silent' });

describe('openDeadLetterQueue', () => {
  const topology = buildTopology(uniquePrefix());
  let manager: AmqpConnectionManager;
  let publisher: Publisher;
  const ids = [randomUUID(), randomUUID(), randomUUID()];

  async function readIds(): Promise<(string | undefined)[]> {
    const reader = await openDeadLetterQueue({ manager, queue: topology.deadLetterQueue });
    try {
      return (await reader.readAll()).map((e) => e.messageId);
    } finally {
      await reader.close();
    }
  }

  beforeAll(async () => {
    manager = connectBroker({ url: TEST_AMQP_URL, logger, connectionName: 'dlq-reader-test' });
    await waitForBroker(manager, TEST_AMQP_URL, 10_000);
    publisher = createPublisher({ manager, topology, logger });
    await publisher.waitForReady();
    for (const id of ids) {
      await publisher.publish({
        exchange: topology.deadLetterExchange,
        routingKey: 'watermark',
        body: Buffer.from(`{"id":"${id}"}`),
        messageId: id,
        type: 'watermark',
        headers: { 'x-offload-reason': 'corrupt_image' },
      });
    }
  });

  afterAll(async () => {
    await publisher.close();
    await manager.close();
    await deleteTestTopology(topology);
  });

  it('takes every entry with its properties and puts them all back on close', async () => {
    const reader = await openDeadLetterQueue({ manager, queue: topology.deadLetterQueue });
    const entries = await reader.readAll();
    await reader.close();
    expect(entries.map((e) => e.messageId)).toEqual(ids);
    expect(entries[0]?.type).toBe('watermark');
    expect(entries[0]?.headers['x-offload-reason']).toBe('corrupt_image');
    expect(entries[0]?.body.toString()).toBe(`{"id":"${ids[0]}"}`);
    expect(entries[0]?.timestampMs).toEqual(expect.any(Number));
    expect((await readIds()).sort()).toEqual([...ids].sort());
  });

  it('reads at most max entries, says when the queue holds more, and puts them all back on close', async () => {
    const reader = await openDeadLetterQueue({ manager, queue: topology.deadLetterQueue });
    const first = await reader.read(2);
    expect({ ids: first.entries.map((e) => e.messageId), truncated: first.truncated }).toEqual({ ids: ids.slice(0, 2), truncated: true });
    const rest = await reader.read(1);
    expect({ ids: rest.entries.map((e) => e.messageId), truncated: rest.truncated }).toEqual({ ids: ids.slice(2), truncated: false });
    expect(await reader.read(5)).toEqual({ entries: [], truncated: false });
    await reader.close();
    expect((await readIds()).sort()).toEqual([...ids].sort());
  });

  it('fails with BrokerUnreachableError when not connected, and once its channel is gone', async () => {
    const other = connectBroker({ url: TEST_AMQP_URL, logger, connectionName: 'dlq-reader-test-gone' });
    await waitForBroker(other, TEST_AMQP_URL, 10_000);
    const reader = await openDeadLetterQueue({ manager: other, queue: topology.deadLetterQueue });
    await other.close();
    await expect(reader.read(1)).rejects.toMatchObject({ name: 'BrokerUnreachableError', code: 'broker_unavailable' });
    await expect(openDeadLetterQueue({ manager: other, queue: topology.deadLetterQueue })).rejects.toMatchObject({ name: 'BrokerUnreachableError' });
    expect((await readIds()).sort()).toEqual([...ids].sort());
  });

  it('removes only the entries it acked', async () => {
    const reader = await openDeadLetterQueue({ manager, queue: topology.deadLetterQueue });
    const entries = await reader.readAll();
    const middle = entries.find((e) => e.messageId === ids[1]);
    expect(middle?.ack()).toBe(true);
    expect(middle?.ack()).toBe(false);
    await expect(reader.close()).resolves.toBe(true);
    expect((await readIds()).sort()).toEqual([ids[0], ids[2]].sort());
  });

  it('removes every entry of a burst of acks sent just before the close', async () => {
    const burst = new Set<string>(Array.from({ length: 1_000 }, () => randomUUID()));
    const connection = await rawConnection();
    try {
      const channel = await connection.createConfirmChannel();
      for (const id of burst) channel.sendToQueue(topology.deadLetterQueue, Buffer.from('{}'), { messageId: id });
      await channel.waitForConfirms();
      await channel.close();
    } finally {
      await connection.close();
    }
    const before = await readIds();
    const reader = await openDeadLetterQueue({ manager, queue: topology.deadLetterQueue });
    const entries = await reader.readAll();
    for (const entry of entries) if (burst.has(entry.messageId ?? '')) expect(entry.ack()).toBe(true);
    await expect(reader.close()).resolves.toBe(true);
    // The broker's quorum-queue client drops acks it stashed when the channel closes: those would be back.
    expect((await readIds()).sort()).toEqual(before.filter((id) => !burst.has(id ?? '')).sort());
  });

  it('refuses to ack once its channel has closed', async () => {
    const reader = await openDeadLetterQueue({ manager, queue: topology.deadLetterQueue });
    const [first] = await reader.readAll();
    await reader.close();
    await reader.close();
    expect(first?.ack()).toBe(false);
    expect(await readIds()).toHaveLength(2);
  });

  it('resolves close to false only when its channel closed under it after an ack', async () => {
    const closedUnder = async (ack: boolean): Promise<boolean> => {
      const other = connectBroker({ url: TEST_AMQP_URL, logger, connectionName: 'dlq-reader-test-lost' });
      await waitForBroker(other, TEST_AMQP_URL, 10_000);
      const reader = await openDeadLetterQueue({ manager: other, queue: topology.deadLetterQueue });
      const [entry] = await reader.readAll();
      if (ack) expect(entry?.ack()).toBe(true);
      await other.close();
      return reader.close();
    };
    await expect(closedUnder(false)).resolves.toBe(true);
    await expect(closedUnder(true)).resolves.toBe(false);
  });

  it('fails with QueueNotFoundError, declaring nothing, when the queue does not exist', async () => {
    const queue = `${uniquePrefix()}.dead-letter`;
    await expect(openDeadLetterQueue({ manager, queue })).rejects.toBeInstanceOf(QueueNotFoundError);
    await expect(openDeadLetterQueue({ manager, queue })).rejects.toThrow(/does not exist.*QUEUE_PREFIX/);
  });
});
