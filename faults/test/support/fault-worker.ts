import { buildTopology } from '@offload/contracts';
import { connectBroker, waitForBroker } from '@offload/broker';
import { createFsStorage } from '@offload/storage';
import { createLogger, createMetrics } from '@offload/telemetry';
import { loadWorkerConfig, taskTypeLimits } from '../../../apps/worker/src/config';
import { createHealthServer } from '../../../apps/worker/src/health-server';
import { createWorker } from '../../../apps/worker/src/worker';
import { scriptedWatermarkHandler } from './scripted-watermark';

/**
 * A real worker process, wired like apps/worker/src/main.ts (config from the environment, one
 * managed connection, health server, SIGTERM → close → exit 0), with a scripted `watermark`
 * handler instead of sharp. Run it with `node --import tsx faults/test/support/fault-worker.ts`.
 */
async function main(): Promise<void> {
  const config = loadWorkerConfig(process.env);
  const logger = createLogger({ name: 'fault-worker', level: config.LOG_LEVEL });
  const metrics = createMetrics('worker');
  const storage = await createFsStorage({ dataDir: config.DATA_DIR });
  const manager = connectBroker({ url: config.AMQP_URL, logger, connectionName: 'offload-fault-worker' });
  manager.on('connect', () => metrics.brokerConnected.set(1));
  manager.on('disconnect', () => metrics.brokerConnected.set(0));
  try {
    await waitForBroker(manager, config.AMQP_URL, config.BROKER_CONNECT_TIMEOUT_MS);
  } catch (err) {
    await manager.close();
    throw err;
  }
  const limits = taskTypeLimits(config);
  const worker = createWorker({
    manager,
    topology: buildTopology(config.QUEUE_PREFIX),
    storage,
    handlers: { watermark: scriptedWatermarkHandler(config.DATA_DIR) },
    logger,
    metrics,
    taskTypes: ['watermark'],
    concurrency: config.WORKER_CONCURRENCY,
    maxDeliveries: config.WORKER_MAX_DELIVERIES,
    shutdownGraceMs: config.WORKER_SHUTDOWN_GRACE_MS,
    publishTimeoutMs: config.PUBLISH_TIMEOUT_MS,
    limits: (taskType) => ({ ...limits[taskType], baseDelayMs: config.RETRY_BASE_MS, maxDelayMs: config.RETRY_MAX_MS }),
    onFatal: (err) => {
      process.stderr.write(`fault-worker: the broker refused the topology or access: ${err.message}\n`);
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
  await new Promise<void>((resolve) => health.listen(config.WORKER_HTTP_PORT, '127.0.0.1', resolve));
  await worker.start();
  const address = health.address();
  logger.info({ pid: process.pid, http_port: typeof address === 'object' && address ? address.port : config.WORKER_HTTP_PORT }, 'offload worker ready');

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
  process.stderr.write(`fault-worker: failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
