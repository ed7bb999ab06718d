import { randomUUID } from 'node:crypto';
import { SIGNATURE_HEADER, buildTopology, createMessageSigner, delayRoutingKey } from '@offload/contracts';
import { createLogger } from '@offload/telemetry';
import { TEST_AMQP_URL, deleteTestTopology, uniquePrefix, waitUntil } from '@offload/test-support';
import {
  BrokerUnreachableError,
  connectBroker,
  openBrokerConnection,
  createPublisher,
  createSubscriber,
  NotAcceptedError,
  waitForBroker,
  type AmqpConnectionManager,
  type Delivery,
  type Publisher,
  type Subscriber,
} from '../src/index';

const logger = createLogger({ name: 'broker-test', level: 'silent' });

describe('broker', () => {
  const topology = buildTopology(uniquePrefix());
  let manager: AmqpConnectionManager;
  let publisher: Publisher;

  beforeAll(async () => {
    manager = connectBroker({ url: TEST_AMQP_URL, logger, connectionName: 'broker-test' });
    await waitForBroker(manager, TEST_AMQP_URL, 10_000);
    publisher = createPublisher({ manager, topology, logger, publishTimeoutMs: 5_000 });
    await publisher.waitForReady();
  });

  /** A subscriber on `queue` that acks every delivery and keeps it for the test to look at. */
  async function ackingSubscriber(queue: string): Promise<{ received: Delivery[]; subscriber: Subscriber }> {
    const received: Delivery[] = [];
    const subscriber = createSubscriber({
      manager,
      topology,
      logger,
      queues: [queue],
      prefetch: 5,
      onDelivery: (d) => {
        received.push(d);
        d.ack();
      },
    });
    await subscriber.start();
    return { received, subscriber };
  }

  afterAll(async () => {
    await publisher.close();
    await manager.close();
    await deleteTestTopology(topology);
  });

  it('delivers a confirmed publish to the work queue of its task type', async () => {
    const { received, subscriber } = await ackingSubscriber(topology.workQueues.watermark);
    const id = randomUUID();
    await publisher.publish({ exchange: topology.taskExchange, routingKey: 'watermark', body: Buffer.from('{}'), messageId: id, type: 'watermark' });
    await waitUntil(() => received.find((d) => d.messageId === id), { description: 'the delivery' });
    await subscriber.close();
  });

  it('refuses an unroutable mandatory publish as not accepted', async () => {
    await expect(
      publisher.publish({ exchange: topology.taskExchange, routingKey: 'nobody-binds-this', body: Buffer.from('{}'), messageId: randomUUID(), type: 'x' }),
    ).rejects.toBeInstanceOf(NotAcceptedError);
  });

  it('routes a delayed message through the cascade to its work queue after the delay', async () => {
    const { received, subscriber } = await ackingSubscriber(topology.workQueues.analysis);
    const id = randomUUID();
    const sentAt = Date.now();
    await publisher.publish({ exchange: topology.delayEntryExchange, routingKey: delayRoutingKey(700, 'analysis'), body: Buffer.from('{}'), messageId: id, type: 'analysis' });
    await waitUntil(() => received.find((d) => d.messageId === id), { description: 'the delayed delivery' });
    // Not a timing assertion on speed: the cascade must not deliver *before* the delay.
    expect(Date.now() - sentAt).toBeGreaterThanOrEqual(700);
    await subscriber.close();
  });

  it('signs each publish with its sign option, and sends the headers as given for a message marked sign: false', async () => {
    const signer = await createMessageSigner({ current: 'a-test-signing-key-of-32-characters-or-more' });
    const signing = createPublisher({ manager, topology, logger, sign: signer });
    await signing.waitForReady();
    const { received, subscriber } = await ackingSubscriber(topology.workQueues.thumbnail);
    const [signed, kept] = [randomUUID(), randomUUID()];
    const body = Buffer.from('{"a":1}');
    await signing.publish({ exchange: topology.taskExchange, routingKey: 'thumbnail', body, messageId: signed, type: 'thumbnail', headers: { traceparent: 't' } });
    await signing.publish({ exchange: topology.taskExchange, routingKey: 'thumbnail', body, messageId: kept, type: 'thumbnail', headers: { [SIGNATURE_HEADER]: 'as-it-came' }, sign: false });
    const first = await waitUntil(() => received.find((d) => d.messageId === signed), { description: 'the signed delivery' });
    const second = await waitUntil(() => received.find((d) => d.messageId === kept), { description: 'the unsigned delivery' });
    expect(first.headers.traceparent).toBe('t');
    await expect(signer.verify(first.messageId, first.body, first.headers[SIGNATURE_HEADER])).resolves.toMatchObject({ ok: true });
    expect(second.headers[SIGNATURE_HEADER]).toBe('as-it-came');
    await subscriber.close();
    await signing.close();
  });

  it('closes its manager and says how to get a broker when none answers in time', async () => {
    const changes: boolean[] = [];
    await expect(
      openBrokerConnection({ url: 'amqp://guest:guest@127.0.0.1:1', logger, connectionName: 'dead', connectTimeoutMs: 300, onConnectionChange: (up) => changes.push(up) }),
    ).rejects.toBeInstanceOf(BrokerUnreachableError);
    expect(changes).toEqual([]);
  });

  it('reports the connection to onConnectionChange once it is up', async () => {
    const changes: boolean[] = [];
    const opened = await openBrokerConnection({ url: TEST_AMQP_URL, logger, connectionName: 'up', connectTimeoutMs: 10_000, onConnectionChange: (up) => changes.push(up) });
    await waitUntil(() => changes.includes(true), { description: 'the connect event' });
    await opened.close();
  });

  it('fails fast with a clear error when the broker is unreachable', async () => {
    const dead = connectBroker({ url: 'amqp://guest:guest@127.0.0.1:1', logger, connectionName: 'dead' });
    await expect(waitForBroker(dead, 'amqp://guest:secret@127.0.0.1:1', 300)).rejects.toThrow(/cannot reach RabbitMQ at amqp:\/\/guest:\*\*\*@127\.0\.0\.1:1/);
    await dead.close();
  });
});
