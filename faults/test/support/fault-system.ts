import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { buildTopology, type Topology } from '@offload/contracts';
import { deleteTestTopology, tempDataDir, uniquePrefix, waitUntil } from '@offload/test-support';
import type { RecordLocation } from './checker';
import { apiClient, type ApiClient } from './api-client';
import { brokerNode, type BrokerNode } from './broker-node';
import { describeExit, startChild, type Child, type Exit } from './child-process';
import { freePort } from './free-port';

const REPO_ROOT = resolve(__dirname, '../../..');
const API_ENTRY = resolve(REPO_ROOT, 'apps/api/dist/main.js');
const FAULT_WORKER = resolve(__dirname, 'fault-worker.ts');
const START_TIMEOUT_MS = 30_000;

export interface WorkerProcess extends Child {
  /** Port of the worker's /livez, /readyz and /metrics. */
  readonly httpPort: number;
}

/** One test file's system under test: the built API and fault workers on the suite's node. */
export interface FaultSystem {
  readonly node: BrokerNode;
  readonly topology: Topology;
  readonly dataDir: string;
  /** Where the records are: SQLite in DATA_DIR, or a PostgreSQL database. */
  readonly records: RecordLocation;
  /** The first API process (of `apis`). */
  readonly api: ApiClient;
  readonly apiProcess: Child;
  /** Every API process, all on the same DATA_DIR and record store, each on its own port. */
  readonly apis: readonly ApiClient[];
  readonly apiProcesses: readonly Child[];
  /** The JPEG every task references, uploaded once. */
  readonly imageKey: string;
  /** Starts a fault worker (the file's worker env, then `env`) and waits until it consumes. */
  startWorker(env?: Record<string, string>): Promise<WorkerProcess>;
  /** Stops every process, deletes the queues and exchanges and the data directory. */
  close(): Promise<void>;
}

export interface FaultSystemOptions {
  /** Worker environment for every worker of this file (WORKER_MAX_DELIVERIES, RETRY_BASE_MS…). */
  workerEnv?: Record<string, string>;
  /** Keep records in this PostgreSQL database (RECORD_STORE_URL) instead of SQLite in DATA_DIR. */
  recordStoreUrl?: string;
  /** API processes to start. @defaultValue 1 */
  apis?: number;
}

export async function startFaultSystem(options: FaultSystemOptions = {}): Promise<FaultSystem> {
  if (!existsSync(API_ENTRY)) throw new Error(`${API_ENTRY} is missing: build first (npm test builds every workspace)`);
  const node = brokerNode();
  const prefix = uniquePrefix();
  const dir = await tempDataDir('offload-faults');
  const common = { AMQP_URL: node.url, QUEUE_PREFIX: prefix, DATA_DIR: dir.path, ...(options.recordStoreUrl === undefined ? {} : { RECORD_STORE_URL: options.recordStoreUrl }) };
  const records: RecordLocation = options.recordStoreUrl === undefined ? { dataDir: dir.path } : { dataDir: dir.path, url: options.recordStoreUrl };
  const ports: number[] = [];
  for (let i = 0; i < (options.apis ?? 1); i++) ports.push(await freePort());
  const apiProcesses = ports.map((port) =>
    startChild('api', [API_ENTRY], {
      ...common,
      PORT: String(port),
      HOST: '127.0.0.1',
      // The faults are the broker's, the database's and the workers'; the API is open on loopback.
      AUTH: 'off',
      LOG_LEVEL: 'warn',
      PUBLISH_TIMEOUT_MS: '2000',
      API_SHUTDOWN_GRACE_MS: '2000',
    }),
  );
  const workers: Child[] = [];
  const close = async () => {
    const failures: unknown[] = [];
    const step = async (run: () => Promise<unknown>) => {
      try {
        await run();
      } catch (err) {
        failures.push(err);
      }
    };
    await step(() => Promise.all(workers.map((w) => w.stop('SIGTERM', 15_000))));
    await step(() => Promise.all(apiProcesses.map((p) => p.stop('SIGTERM', 15_000))));
    await step(() => deleteTestTopology(buildTopology(prefix), node.url));
    await step(() => dir.remove());
    if (failures.length > 0) throw new AggregateError(failures, 'closing the fault system failed');
  };

  try {
    const apis = ports.map((port) => apiClient(`http://127.0.0.1:${port}`));
    for (const [i, api] of apis.entries()) {
      const apiProcess = apiProcesses[i];
      if (apiProcess === undefined) throw new Error(`no API process ${i}`);
      const ready = await waitUntil(
        async () => apiProcess.exit() ?? ((await fetch(`${api.base}/readyz`)).ok && 'ready'),
        { timeoutMs: START_TIMEOUT_MS, description: `API ${i} to be ready` },
      );
      if (ready !== 'ready') throw new Error(`API ${i} exited (${describeExit(ready)}): ${apiProcess.stderr()}`);
    }
    const [api] = apis;
    const [apiProcess] = apiProcesses;
    if (api === undefined || apiProcess === undefined) throw new Error('a fault system needs at least one API');
    const imageKey = await api.uploadImage();
    return {
      node,
      topology: buildTopology(prefix),
      dataDir: dir.path,
      records,
      api,
      apiProcess,
      apis,
      apiProcesses,
      imageKey,
      async startWorker(env = {}) {
        const child = startChild('fault-worker', ['--import', 'tsx', FAULT_WORKER], {
          ...common,
          LOG_LEVEL: 'info',
          WORKER_HTTP_PORT: '0',
          WORKER_SHUTDOWN_GRACE_MS: '2000',
          ...options.workerEnv,
          ...env,
        }, REPO_ROOT);
        workers.push(child);
        try {
          const ready = await child.waitForLog((line) => line.msg === 'offload worker ready', START_TIMEOUT_MS, 'ready');
          return Object.assign(child, { httpPort: Number(ready.http_port) });
        } catch (err) {
          const exit = child.exit();
          if (exit !== undefined) throw new WorkerDiedStartingError(child.pid, exit, err);
          throw err;
        }
      },
      close,
    };
  } catch (err) {
    await close().catch(() => undefined);
    throw err;
  }
}

/**
 * A worker that died before it reported ready: a task that kills workers can reach a worker
 * while it is still starting (it consumes before it logs "ready").
 */
export class WorkerDiedStartingError extends Error {
  constructor(
    readonly pid: number,
    readonly exit: Exit,
    cause: unknown,
  ) {
    super(`worker ${pid} died while starting (${describeExit(exit)})`, { cause });
    this.name = 'WorkerDiedStartingError';
  }
}
