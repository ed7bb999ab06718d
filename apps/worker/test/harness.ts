import { randomUUID } from 'node:crypto';
import {
  buildTopology,
  encodeTaskPayload,
  type MessageSigner,
  type TaskInput,
  type TaskPayload,
  type TaskRecord,
  type TaskType,
  type Topology,
} from '@offload/contracts';
import { connectBroker, createPublisher, waitForBroker, type AmqpConnectionManager, type Publisher } from '@offload/broker';
import { openStorage, type RecordStore, type Storage, type WorkerStore } from '@offload/storage';
import { createLogger, createMetrics, type Logger, type Metrics } from '@offload/telemetry';
import { TEST_AMQP_URL, deleteTestTopology, tempDataDir, uniquePrefix, waitUntil } from '@offload/test-support';
import type { CallbackOptions } from '../src/callbacks/deliver';
import type { HandlerRegistry } from '../src/handlers/handler';
import { createWorker, type Worker } from '../src/worker';

export interface WorkerHarnessOptions {
  handlers: HandlerRegistry;
  taskTypes?: readonly TaskType[];
  concurrency?: number;
  maxDeliveries?: number;
  maxAttempts?: number;
  timeoutMs?: number;
  shutdownGraceMs?: number;
  settleRetryDelayMs?: number;
  /** Wraps the record store this worker sees (to make it fail or lag). */
  wrapRecords?: (records: RecordStore) => RecordStore;
  /** Wraps the heartbeat store this worker sees (to make its beats fail). */
  wrapWorkers?: (workers: WorkerStore) => WorkerStore;
  heartbeatMs?: number;
  /** How often running tasks are checked for a cancel. @defaultValue the worker's (1 s) */
  cancelPollMs?: number;
  /** The worker's logger. @defaultValue silent (debug with TEST_LOG_LEVEL=debug) */
  logger?: Logger;
  /** The worker's signing keys. @defaultValue none: messages unchecked */
  signer?: MessageSigner;
  /** Webhook delivery. @defaultValue the worker's (https:// to public addresses only) */
  callbacks?: CallbackOptions;
}

export interface WorkerHarness {
  topology: Topology;
  storage: Storage;
  /** The storage's DATA_DIR, for processes (the built CLI) that open it themselves. */
  dataDir: string;
  manager: AmqpConnectionManager;
  /** A publisher of our own, standing in for the API. */
  publisher: Publisher;
  startWorker(overrides?: Partial<WorkerHarnessOptions>): Promise<Worker>;
  /** Writes the record (as the API does) and publishes the task; returns its id. */
  submit(input: TaskInput, id?: string): Promise<string>;
  publishRaw(routingKey: string, body: Buffer, messageId?: string, type?: string): Promise<void>;
  waitForStatus(id: string, statuses: readonly TaskRecord['status'][], timeoutMs?: number): Promise<TaskRecord>;
  /** Deliveries all workers of this harness settled with `outcome` (from their metrics). */
  processed(outcome: string): Promise<number>;
  /** The Prometheus text of the workers' registries, one after the other. */
  metricsText(): Promise<string>;
  close(): Promise<void>;
}

/** A real worker (in this process) on a real broker with its own queue prefix and DATA_DIR. */
export async function createWorkerHarness(options: WorkerHarnessOptions): Promise<WorkerHarness> {
  const logger = createLogger({ name: 'worker-test', level: process.env.TEST_LOG_LEVEL === 'debug' ? 'debug' : 'silent' });
  const topology = buildTopology(uniquePrefix());
  const dir = await tempDataDir('offload-worker');
  const storage = await openStorage({ dataDir: dir.path });
  const manager = connectBroker({ url: TEST_AMQP_URL, logger, connectionName: 'worker-test' });
  await waitForBroker(manager, TEST_AMQP_URL, 10_000);
  const publisher = createPublisher({ manager, topology, logger });
  await publisher.waitForReady();
  const workers: Worker[] = [];
  const metrics: Metrics[] = [];

  return {
    topology,
    storage,
    dataDir: dir.path,
    manager,
    publisher,
    async startWorker(overrides = {}) {
      const o = { ...options, ...overrides };
      const workerMetrics = createMetrics('worker');
      metrics.push(workerMetrics);
      const worker = createWorker({
        manager,
        topology,
        storage: {
          ...storage,
          records: o.wrapRecords === undefined ? storage.records : o.wrapRecords(storage.records),
          workers: o.wrapWorkers === undefined ? storage.workers : o.wrapWorkers(storage.workers),
        },
        handlers: o.handlers,
        logger: o.logger ?? logger,
        metrics: workerMetrics,
        taskTypes: o.taskTypes ?? ['watermark'],
        concurrency: o.concurrency ?? 2,
        maxDeliveries: o.maxDeliveries ?? 5,
        shutdownGraceMs: o.shutdownGraceMs ?? 5_000,
        publishTimeoutMs: 5_000,
        ...(o.settleRetryDelayMs === undefined ? {} : { settleRetryDelayMs: o.settleRetryDelayMs }),
        ...(o.heartbeatMs === undefined ? {} : { heartbeatMs: o.heartbeatMs }),
        ...(o.cancelPollMs === undefined ? {} : { cancelPollMs: o.cancelPollMs }),
        signer: o.signer,
        ...(o.callbacks === undefined ? {} : { callbacks: o.callbacks }),
        limits: () => ({ timeoutMs: o.timeoutMs ?? 30_000, maxAttempts: o.maxAttempts ?? 3, baseDelayMs: 200, maxDelayMs: 1_000 }),
      });
      await worker.start();
      workers.push(worker);
      return worker;
    },
    async submit(input, id = randomUUID()) {
      const now = new Date().toISOString();
      await storage.records.create({ id, task_type: input.task_type, status: 'queued', attempts: 0, created_at: now, updated_at: now });
      // The same union with its envelope fields added, as the API builds it.
      const payload = { v: 1, id, task_type: input.task_type, content: input.content, created_at: now, retry_count: 0 } as TaskPayload;
      await publisher.publish({ exchange: topology.taskExchange, routingKey: input.task_type, body: Buffer.from(encodeTaskPayload(payload)), messageId: id, type: input.task_type });
      return id;
    },
    async publishRaw(routingKey, body, messageId = randomUUID(), type = routingKey) {
      await publisher.publish({ exchange: topology.taskExchange, routingKey, body, messageId, type });
    },
    waitForStatus(id, statuses, timeoutMs = 20_000) {
      return waitUntil(
        async () => {
          const record = await storage.records.get(id);
          return record && statuses.includes(record.status) ? record : undefined;
        },
        { timeoutMs, description: `task ${id} to reach ${statuses.join('|')}` },
      );
    },
    async processed(outcome) {
      let total = 0;
      for (const m of metrics) {
        const { values } = await m.tasksProcessed.get();
        total += values.filter((v) => v.labels.outcome === outcome).reduce((sum, v) => sum + v.value, 0);
      }
      return total;
    },
    async metricsText() {
      return (await Promise.all(metrics.map((m) => m.registry.metrics()))).join('\n');
    },
    async close() {
      await Promise.all(workers.map((w) => w.close()));
      await publisher.close();
      await manager.close();
      await deleteTestTopology(topology);
      await storage.close();
      await dir.remove();
    },
  };
}
