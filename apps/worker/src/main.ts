import { tmpdir } from 'node:os';
import sharp from 'sharp';
import { buildTopology } from '@offload/contracts';
import { ConfigError } from '@offload/config';
import { BrokerUnreachableError, connectBroker, waitForBroker } from '@offload/broker';
import { createFsStorage } from '@offload/storage';
import { createLogger, createMetrics } from '@offload/telemetry';
import { analysisLimits, loadWorkerConfig, taskTypeLimits } from './config';
import { createHandlers } from './handlers/index';
import { createHealthServer } from './health-server';
import { createWorker } from './worker';

/** Entry point: config, connect, consume; SIGTERM drains within the grace period and exits 0. */
async function main(): Promise<void> {
  const config = loadWorkerConfig(process.env);
  const logger = createLogger({ name: 'worker', level: config.LOG_LEVEL });
  const metrics = createMetrics('worker');
  // libvips' own cache holds decoded images between tasks: memory we never reuse here.
  sharp.cache(false);
  sharp.concurrency(config.SHARP_CONCURRENCY);
  const storage = await createFsStorage({ dataDir: config.DATA_DIR });
  const manager = connectBroker({ url: config.AMQP_URL, logger, connectionName: 'offload-worker' });
  manager.on('connect', () => metrics.brokerConnected.set(1));
  manager.on('disconnect', () => metrics.brokerConnected.set(0));
  try {
    await waitForBroker(manager, config.AMQP_URL, config.BROKER_CONNECT_TIMEOUT_MS);
  } catch (err) {
    await manager.close();
    throw err;
  }
  const limits = taskTypeLimits(config);
  const handlers = createHandlers({ watermark: { limitInputPixels: config.IMAGE_MAX_PIXELS }, analysis: analysisLimits(config, tmpdir()) });
  let fatal = false;
  const worker = createWorker({
    manager,
    topology: buildTopology(config.QUEUE_PREFIX),
    storage,
    handlers,
    logger,
    metrics,
    taskTypes: config.WORKER_TASK_TYPES,
    concurrency: config.WORKER_CONCURRENCY,
    maxDeliveries: config.WORKER_MAX_DELIVERIES,
    shutdownGraceMs: config.WORKER_SHUTDOWN_GRACE_MS,
    publishTimeoutMs: config.PUBLISH_TIMEOUT_MS,
    limits: (taskType) => ({ ...limits[taskType], baseDelayMs: config.RETRY_BASE_MS, maxDelayMs: config.RETRY_MAX_MS }),
    onFatal: (err) => {
      if (fatal) return;
      fatal = true;
      process.stderr.write(`offload-worker: the broker refused the topology or access, a configuration fault: ${err.message}\n`);
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
  await new Promise<void>((resolve) => health.listen(config.WORKER_HTTP_PORT, resolve));
  await worker.start();
  const address = health.address();
  logger.info({ http_port: typeof address === 'object' && address ? address.port : config.WORKER_HTTP_PORT }, 'offload worker ready');

  let shuttingDown: Promise<void> | undefined;
  const shutdown = (signal: string) => {
    shuttingDown ??= (async () => {
      logger.info({ signal, grace_ms: config.WORKER_SHUTDOWN_GRACE_MS }, 'shutting down: draining in-flight tasks');
      await worker.close();
      await manager.close().catch((err: unknown) => logger.error({ err }, 'closing the connection failed'));
      await new Promise<void>((resolve) => health.close(() => resolve()));
      logger.info('shut down cleanly');
    })();
    return shuttingDown;
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM').then(() => process.exit(0)));
  process.once('SIGINT', () => void shutdown('SIGINT').then(() => process.exit(0)));
}

main().catch((err: unknown) => {
  if (err instanceof BrokerUnreachableError || err instanceof ConfigError) {
    process.stderr.write(`offload-worker: ${err.message}\n`);
  } else {
    process.stderr.write(`offload-worker: failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  }
  process.exit(1);
});
