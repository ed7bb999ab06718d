import { randomUUID } from 'node:crypto';
import { buildTopology } from '@offload/contracts';
import { createLogger } from '@offload/telemetry';
import { TEST_AMQP_URL, deleteTestTopology, uniquePrefix, waitUntil } from '@offload/test-support';
import { connectBroker, createPublisher, createSubscriber, missingTopology, waitForBroker, type AmqpConnectionManager, type Delivery } from '../src/index';

const logger = createLogger({ name: 'await-topology-test', level: 'silent' });

describe('a publisher and a subscriber that do not declare the topology', () => {
  const topology = buildTopology(uniquePrefix());
  let manager: AmqpConnectionManager;

  beforeAll(async () => {
    manager = connectBroker({ url: TEST_AMQP_URL, logger, connectionName: 'await-topology-test' });
    await waitForBroker(manager, TEST_AMQP_URL, 10_000);
  });

  afterAll(async () => {
    await manager.close();
    await deleteTestTopology(topology);
  });

  it('wait, refusing publishes, until a declaring process has declared it, then work', async () => {
    const connection = manager.connection;
    if (connection === undefined) throw new Error('not connected');
    expect(await missingTopology(connection, topology)).toBe(topology.taskExchange);

    const checking = createPublisher({ manager, topology, logger, declareTopology: false });
    const received: Delivery[] = [];
    const consumer = createSubscriber({
      manager,
      topology,
      logger,
      queues: [topology.workQueues.watermark],
      prefetch: 1,
      declareTopology: false,
      onDelivery: (d) => {
        received.push(d);
        d.ack();
      },
    });
    let ready = false;
    const readyNow = checking.waitForReady().then(() => {
      ready = true;
    });
    const message = { exchange: topology.taskExchange, routingKey: 'watermark', body: Buffer.from('{}'), messageId: randomUUID(), type: 'watermark' };
    const refusal = () => checking.publish(message).then(() => 'accepted', (err: unknown) => (err instanceof Error ? err.message : String(err)));
    await waitUntil(async () => /not declared on the broker yet/.test(await refusal()), { timeoutMs: 5_000, description: 'the publisher to wait for the topology' });
    expect(ready).toBe(false);
    // Nothing was declared by waiting.
    expect(await missingTopology(connection, topology)).toBe(topology.taskExchange);

    const declaring = createPublisher({ manager, topology, logger });
    await declaring.waitForReady();
    expect(await missingTopology(connection, topology)).toBeUndefined();
    await readyNow;
    await consumer.start();
    await checking.publish(message);
    await waitUntil(() => received.length > 0, { timeoutMs: 5_000, description: 'the delivery' });
    expect(received.map((d) => d.messageId)).toEqual([message.messageId]);
    await consumer.close();
    await checking.close();
    await declaring.close();
  });
});
