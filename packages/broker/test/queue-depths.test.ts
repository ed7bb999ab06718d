import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { buildTopology } from '@offload/contracts';
import { createLogger } from '@offload/telemetry';
import { TEST_AMQP_URL, deleteTestTopology, rawConnection, uniquePrefix, waitUntil } from '@offload/test-support';
import {
  connectBroker,
  createManagementApi,
  createPublisher,
  createQueueDepths,
  managementUrlFrom,
  vhostFromAmqpUrl,
  waitForBroker,
  type AmqpConnectionManager,
  type Publisher,
  type QueueDepthReport,
} from '../src/index';

/** A local port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('queue depths', () => {
  const topology = buildTopology(uniquePrefix());
  const work = topology.workQueues.watermark;
  const lines: string[] = [];
  const logger = createLogger({ name: 'depths-test', level: 'info', destination: { write: (line: string) => void lines.push(line) } });
  let manager: AmqpConnectionManager;
  let publisher: Publisher;
  let holder: Awaited<ReturnType<typeof rawConnection>>;

  beforeAll(async () => {
    manager = connectBroker({ url: TEST_AMQP_URL, logger, connectionName: 'depths-test' });
    await waitForBroker(manager, TEST_AMQP_URL, 10_000);
    publisher = createPublisher({ manager, topology, logger });
    await publisher.waitForReady();
    const message = (exchange: string) => ({ exchange, routingKey: 'watermark', body: Buffer.from('{}'), messageId: randomUUID(), type: 'watermark' });
    for (let i = 0; i < 5; i++) await publisher.publish(message(topology.taskExchange));
    await publisher.publish(message(topology.deadLetterExchange));
    // Two of the five taken and held unacked, as a busy worker holds them.
    holder = await rawConnection();
    const channel = await holder.createChannel();
    for (let i = 0; i < 2; i++) expect(await channel.get(work, { noAck: false })).not.toBe(false);
  });

  afterAll(async () => {
    await holder.close();
    await publisher.close();
    await manager.close();
    await deleteTestTopology(topology);
  });

  const queues = [work, topology.deadLetterQueue];

  it('reads ready and unacked counts from the management API', async () => {
    const management = createManagementApi({ url: managementUrlFrom(TEST_AMQP_URL), vhost: vhostFromAmqpUrl(TEST_AMQP_URL) });
    const depths = createQueueDepths({ manager, management, logger });

    // The management API's numbers trail the queues by its statistics interval (5 s by default).
    const report = await waitUntil(
      async () => {
        const r = await depths.read(queues);
        return r.source === 'management_api' && r.queues[0]?.ready === 3 && r.queues[0].unacked === 2 ? r : undefined;
      },
      { description: 'management counts matching the queues' },
    );

    expect(report.queues[1]).toEqual({ queue: topology.deadLetterQueue, ready: 1, unacked: 0 });
  });

  it('falls back to AMQP, ready counts only, when the management API does not answer', async () => {
    const management = createManagementApi({ url: `http://guest:topsecret@127.0.0.1:${await closedPort()}` });
    const depths = createQueueDepths({ manager, management, logger });

    const report = await depths.read(queues);

    expect(report).toEqual<QueueDepthReport>({
      source: 'amqp',
      queues: [
        { queue: work, ready: 3, unacked: null },
        { queue: topology.deadLetterQueue, ready: 1, unacked: null },
      ],
    });
    expect(lines.some((l) => l.includes('management API did not answer'))).toBe(true);
    expect(lines.join('\n')).not.toContain('topsecret');
  });

  it('reports a queue that does not exist as unknown and still counts the others', async () => {
    const depths = createQueueDepths({ manager, logger });

    const report = await depths.read([`${topology.prefix}.no-such-queue`, work]);

    expect(report.queues).toEqual([
      { queue: `${topology.prefix}.no-such-queue`, ready: null, unacked: null },
      { queue: work, ready: 3, unacked: null },
    ]);
  });

  it('reports unavailable, without throwing, when there is no broker connection', async () => {
    const down = connectBroker({ url: 'amqp://guest:guest@127.0.0.1:1', logger: createLogger({ name: 'down', level: 'silent' }), connectionName: 'depths-down' });
    try {
      const report = await createQueueDepths({ manager: down, logger }).read([work]);
      expect(report).toEqual({ source: 'unavailable', queues: [{ queue: work, ready: null, unacked: null }] });
    } finally {
      await down.close();
    }
  });
});
