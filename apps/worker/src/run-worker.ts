import { buildTopology, type TaskType } from '@offload/contracts';
import { openBrokerConnection } from '@offload/broker';
import { amqpCaFrom, listen, retentionOptionsFrom, storageOptionsFrom } from '@offload/config';
import { openStorage, startRetentionSweeps } from '@offload/storage';
import { createLogger, createMetrics, logProcessWarnings, timeStores, type Logger, type Metrics } from '@offload/telemetry';
import { shutdownTracing } from '@offload/telemetry';
import { taskTypeLimits, type WorkerConfig } from './config';
import type { HandlerRegistry } from './handlers/handler';
import { createHealthServer } from './health-server';
import { signerFrom } from './signing-config';
import { createWorker, type Worker } from './worker';

export interface RunWorkerOptions {
  config: Readonly<WorkerConfig>;
  /** Names the process in logs, in the broker's connection list and on stderr. */
  name: string;
  handlers: HandlerRegistry;
  /** @defaultValue config.WORKER_TASK_TYPES */
  taskTypes?: readonly TaskType[];
  /** @defaultValue a fresh registry */
  metrics?: Metrics;
  /** Interface of the health port. @defaultValue all interfaces */
  healthHost?: string;
}

export interface RunningWorker {
  worker: Worker;
  logger: Logger;
  /** Drains, closes the connection and the health port. Idempotent; never exits the process. */
  shutdown(reason: string): Promise<void>;
}

/**
 * A whole worker process, wired once for the real entry point and for test and bench workers
 * with other handlers: one managed connection, storage, the consumers, the health port, the
 * retention sweeps, and SIGTERM/SIGINT → drain within the grace period → exit 0 (exit 1 on a
 * broker refusal).
 */
export async function runWorker(options: RunWorkerOptions): Promise<RunningWorker> {
  const { config, name } = options;
  const logger = createLogger({ name, level: config.LOG_LEVEL });
  logProcessWarnings(logger);
  const metrics = options.metrics ?? createMetrics('worker');
  // Each record database call is timed (offload_record_store_duration_seconds{store, operation}).
  const storage = timeStores(
    await openStorage({ ...storageOptionsFrom(config), onError: (err) => logger.warn({ err }, 'record store connection error') }),
    ['records', 'queries', 'workers', 'schedule', 'webhookSecrets'],
    metrics.recordStoreDuration,
  );
  const manager = await openBrokerConnection({
    url: config.AMQP_URL,
    ca: amqpCaFrom(config),
    logger,
    connectionName: name,
    connectTimeoutMs: config.BROKER_CONNECT_TIMEOUT_MS,
    onConnectionChange: (up) => metrics.brokerConnected.set(up ? 1 : 0),
  });
  const limits = taskTypeLimits(config);
  const signer = await signerFrom(config);
  let shuttingDown: Promise<void> | undefined;
  const worker = createWorker({
    manager,
    topology: buildTopology(config.QUEUE_PREFIX),
    storage,
    handlers: options.handlers,
    logger,
    metrics,
    taskTypes: options.taskTypes ?? config.WORKER_TASK_TYPES,
    concurrency: config.WORKER_CONCURRENCY,
    maxDeliveries: config.WORKER_MAX_DELIVERIES,
    shutdownGraceMs: config.WORKER_SHUTDOWN_GRACE_MS,
    heartbeatMs: config.WORKER_HEARTBEAT_MS,
    publishTimeoutMs: config.PUBLISH_TIMEOUT_MS,
    declareTopology: config.BROKER_DECLARE_TOPOLOGY,
    signer,
    callbacks: { allow: config.CALLBACK_ALLOW, timeoutMs: config.CALLBACK_TIMEOUT_MS, retryForMs: config.CALLBACK_RETRY_FOR_MS },
    limits: (taskType) => ({ ...limits[taskType], baseDelayMs: config.RETRY_BASE_MS, maxDelayMs: config.RETRY_MAX_MS }),
    onFatal: (err) => {
      if (shuttingDown) return;
      process.stderr.write(`${name}: the broker refused the topology or access, a configuration fault: ${err.message}\n`);
      void shutdown('fatal').then(() => process.exit(1));
    },
  });
  const health = createHealthServer({
    metrics,
    checkReady: async () => {
      if (!worker.isReady()) throw new Error('not consuming');
      await storage.checkWritable();
    },
  });
  await listen(health, { port: config.WORKER_HTTP_PORT, host: options.healthHost, variable: 'WORKER_HTTP_PORT' });
  await worker.start();
  const retention = startRetentionSweeps(storage, {
    ...retentionOptionsFrom(config),
    onSwept: (deleted) => {
      if (Object.values(deleted).some((n) => n > 0)) logger[deleted.blob_failures > 0 ? 'warn' : 'info']({ deleted }, 'retention sweep');
    },
    onError: (err) => logger.warn({ err }, 'retention sweep failed; the next one runs on time'),
  });
  const address = health.address();
  logger.info(
    { pid: process.pid, http_port: typeof address === 'object' && address ? address.port : config.WORKER_HTTP_PORT, uv_threadpool_size: Number(process.env.UV_THREADPOOL_SIZE ?? 4) },
    'offload worker ready',
  );

  const shutdown = (reason: string) => {
    shuttingDown ??= (async () => {
      logger.info({ reason, grace_ms: config.WORKER_SHUTDOWN_GRACE_MS }, 'shutting down: draining in-flight tasks');
      await worker.close();
      await retention.stop().catch((err: unknown) => logger.error({ err }, 'stopping the retention sweep failed'));
      await manager.close().catch((err: unknown) => logger.error({ err }, 'closing the connection failed'));
      await storage.close().catch((err: unknown) => logger.error({ err }, 'closing the record store failed'));
      await new Promise<void>((resolve) => health.close(() => resolve()));
      // Last: the spans of the drain are flushed too (a no-op with tracing off).
      await shutdownTracing().catch((err: unknown) => logger.error({ err }, 'flushing the traces failed'));
      logger.info('shut down cleanly');
    })();
    return shuttingDown;
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM').then(() => process.exit(0)));
  process.once('SIGINT', () => void shutdown('SIGINT').then(() => process.exit(0)));
  return { worker, logger, shutdown };
}
