import type { Express } from 'express';
import { DEFAULT_TENANT, buildTopology, type TaskRecord, type TaskType, type Topology } from '@offload/contracts';
import {
  connectBroker,
  createManagementApi,
  createPublisher,
  createQueueDepths,
  managementUrlFrom,
  openDeadLetterQueue,
  vhostFromAmqpUrl,
  waitForBroker,
  type AmqpConnectionManager,
  type Publisher,
} from '@offload/broker';
import { openStorage, type DbStorage, type IdempotencyStore, type NewApiKey, type RecordStore, type Storage, type UploadRegistry } from '@offload/storage';
import { createLogger, createMetrics, type Logger } from '@offload/telemetry';
import { TEST_AMQP_URL, deleteTestTopology, rawConnection, tempDataDir, uniquePrefix } from '@offload/test-support';
import { createAfterResponse, type AfterResponse } from '../src/after-response';
import { createApp, type AppDeps } from '../src/app';

export interface ApiHarness {
  app: Express;
  logger: Logger;
  storage: Storage;
  /** The storage as opened, before any wrapping: its database, for tests that look at rows. */
  opened: DbStorage;
  topology: Topology;
  publisher: Publisher;
  manager: AmqpConnectionManager;
  afterResponse: AfterResponse;
  dataDir: string;
  /** With `auth: 'keys'`: an admin key of the default tenant (`Bearer` it). */
  adminKey: string;
  /** With `auth: 'keys'`: a new key; returns its secret. */
  createKey(key: Omit<NewApiKey, 'name'> & { name?: string }): Promise<string>;
  /** Every task record in the store, newest first. */
  allRecords(): Promise<TaskRecord[]>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  amqpUrl?: string;
  uploadMaxBytes?: number;
  datasetMaxBytes?: number;
  jsonBodyMaxBytes?: number;
  publishTimeoutMs?: number;
  idempotencyTtlMs?: number;
  /** Skip waiting for the broker (for tests that point at a dead one). */
  expectBroker?: boolean;
  /** Receives the app's log lines (JSON, one per write) at `logLevel`; silent without it. */
  logLines?: string[];
  /** @defaultValue 'info' */
  logLevel?: 'info' | 'debug';
  /** Wraps the record store the app sees (to slow down or fail its writes). */
  wrapRecords?: (records: RecordStore) => RecordStore;
  /** RabbitMQ's management API for GET /v1/stats. @defaultValue the test broker's, on port 15672 */
  managementUrl?: string;
  /** Keep records in this PostgreSQL database instead of SQLite in the temp DATA_DIR. */
  recordStoreUrl?: string;
  /** Wraps the upload registry the app sees (to fail its writes). */
  wrapUploads?: (uploads: UploadRegistry) => UploadRegistry;
  /** Wraps the Idempotency-Key store the app sees (to fail storing an entry). */
  wrapIdempotency?: (idempotency: IdempotencyStore) => IdempotencyStore;
  /** Wraps the whole storage the app sees, after the other wraps (to take the database away). */
  wrapStorage?: (storage: Storage) => Storage;
  /** API keys on, or every request an admin (AUTH=off). @defaultValue 'off' */
  auth?: 'keys' | 'off';
  /** Limits and browser rules for the app. */
  guards?: AppDeps['guards'];
  /** GET /v1/tasks/:id/events: poll interval, stream cap, heartbeat. */
  events?: AppDeps['events'];
  /** The built console to serve at /console/. @defaultValue none */
  consoleDir?: string;
  /** GET /v1/events: feed poll, stats and workers intervals. */
  consoleEvents?: AppDeps['consoleEvents'];
}

/** The real app on a real broker (own queue prefix) and a temp DATA_DIR. */
export async function createApiHarness(options: HarnessOptions = {}): Promise<ApiHarness> {
  const lines = options.logLines;
  const logger =
    lines === undefined
      ? createLogger({ name: 'api-test', level: 'silent' })
      : createLogger({ name: 'api-test', level: options.logLevel ?? 'info', destination: { write: (line: string) => void lines.push(line) } });
  const topology = buildTopology(uniquePrefix());
  const dir = await tempDataDir('offload-api');
  const opened = await openStorage({ dataDir: dir.path, ...(options.recordStoreUrl === undefined ? {} : { recordStoreUrl: options.recordStoreUrl }) });
  const wrapped: Storage = {
    ...opened,
    ...(options.wrapRecords === undefined ? {} : { records: options.wrapRecords(opened.records) }),
    ...(options.wrapUploads === undefined ? {} : { uploads: options.wrapUploads(opened.uploads) }),
    ...(options.wrapIdempotency === undefined ? {} : { idempotency: options.wrapIdempotency(opened.idempotency) }),
  };
  const storage = options.wrapStorage === undefined ? wrapped : options.wrapStorage(wrapped);
  const url = options.amqpUrl ?? TEST_AMQP_URL;
  const manager = connectBroker({ url, logger, connectionName: 'api-test' });
  if (options.expectBroker !== false) await waitForBroker(manager, url, 10_000);
  const publisher = createPublisher({ manager, topology, logger, publishTimeoutMs: options.publishTimeoutMs ?? 2_000 });
  if (options.expectBroker !== false) await publisher.waitForReady();
  const afterResponse = createAfterResponse(logger);
  const queueDepths = createQueueDepths({
    manager,
    management: createManagementApi({ url: options.managementUrl ?? managementUrlFrom(url), vhost: vhostFromAmqpUrl(url), timeoutMs: 1_000 }),
    logger,
    timeoutMs: 1_000,
  });
  const app = createApp({
    publisher,
    storage,
    topology,
    logger,
    metrics: createMetrics('api'),
    afterResponse,
    queueDepths,
    deadLetters: { open: () => openDeadLetterQueue({ manager, queue: topology.deadLetterQueue }) },
    limits: {
      uploadMaxBytes: options.uploadMaxBytes ?? 5 * 1024 * 1024,
      datasetMaxBytes: options.datasetMaxBytes ?? options.uploadMaxBytes ?? 5 * 1024 * 1024,
      jsonBodyMaxBytes: options.jsonBodyMaxBytes ?? 64 * 1024 },
    ...(options.idempotencyTtlMs === undefined ? {} : { idempotencyTtlMs: options.idempotencyTtlMs }),
    auth: options.auth === 'keys' ? { mode: 'keys', keys: storage.keys } : { mode: 'off' },
    ...(options.guards === undefined ? {} : { guards: options.guards }),
    ...(options.events === undefined ? {} : { events: options.events }),
    ...(options.consoleDir === undefined ? {} : { consoleDir: options.consoleDir }),
    ...(options.consoleEvents === undefined ? {} : { consoleEvents: options.consoleEvents }),
  });
  let keyCount = 0;
  const createKey = async (key: Omit<NewApiKey, 'name'> & { name?: string }) =>
    (await opened.keys.create({ ...key, name: key.name ?? `test-key-${++keyCount}` })).secret;
  const adminKey = options.auth === 'keys' ? await createKey({ name: 'test-admin', tenant: DEFAULT_TENANT, scopes: ['admin'] }) : '';
  return {
    app,
    logger,
    storage,
    opened,
    topology,
    publisher,
    manager,
    afterResponse,
    dataDir: dir.path,
    adminKey,
    createKey,
    async allRecords() {
      const all: TaskRecord[] = [];
      let cursor: string | undefined;
      do {
        const page = await opened.queries.list({ limit: 200, ...(cursor === undefined ? {} : { cursor }) });
        all.push(...page.tasks);
        cursor = page.nextCursor;
      } while (cursor !== undefined);
      return all;
    },
    async close() {
      await afterResponse.drain(1_000);
      await publisher.close();
      await manager.close();
      if (options.expectBroker !== false) await deleteTestTopology(topology);
      await opened.close();
      await dir.remove();
    },
  };
}

/** What an operator removing a binding does: a mandatory publish of `taskType` then comes back unroutable. */
export async function unbindTaskType(topology: Topology, taskType: TaskType): Promise<void> {
  const connection = await rawConnection();
  try {
    const channel = await connection.createChannel();
    await channel.unbindQueue(topology.workQueues[taskType], topology.taskExchange, taskType);
    await channel.close();
  } finally {
    await connection.close();
  }
}
