// First: tracing patches express, http and pg as they load (a no-op without an OTLP exporter).
import { tracing } from './instrument';
import { buildTopology, createMessageSigner } from '@offload/contracts';
import { ConfigError, ListenError, amqpCaFrom, listen, retentionOptionsFrom, storageOptionsFrom } from '@offload/config';
import { BrokerRefusedError, BrokerUnreachableError, createManagementApi, createPublisher, createQueueDepths, managementUrlFrom, openBrokerConnection, openDeadLetterQueue, vhostFromAmqpUrl } from '@offload/broker';
import { openStorage, RecordStoreUnreachableError, startRetentionSweeps } from '@offload/storage';
import { createLogger, createMetrics, logProcessWarnings, timeStores } from '@offload/telemetry';
import { createAfterResponse } from './after-response';
import { createApp } from './app';
import { findConsoleDir } from './console-dir';
import { exposeQueueDepths } from './queue-depth-metrics';
import { createScheduler } from './scheduler';
import { ensureAdminKey, reportAccess } from './admin-key';
import { corsOrigins, loadApiConfig } from './config';
import { closeServer } from './close-server';
import { createHttpServer } from './http-server';
import { LOST_WORKERS_KEPT_MS } from './worker-status';

/** The only file with side effects: config, connect, listen, and an ordered shutdown on SIGTERM. */
async function main(): Promise<void> {
  const config = loadApiConfig(process.env);
  const logger = createLogger({ name: 'api', level: config.LOG_LEVEL });
  logProcessWarnings(logger);
  const metrics = createMetrics('api');
  const topology = buildTopology(config.QUEUE_PREFIX);
  // Each record database call is timed (offload_record_store_duration_seconds{store, operation}).
  const storage = timeStores(
    await openStorage({ ...storageOptionsFrom(config), onError: (err) => logger.warn({ err }, 'record store connection error') }),
    ['records', 'queries', 'activity', 'idempotency', 'keys', 'rateLimits', 'schedule'],
    metrics.recordStoreDuration,
  );
  const manager = await openBrokerConnection({
    url: config.AMQP_URL,
    ca: amqpCaFrom(config),
    logger,
    connectionName: 'offload-api',
    connectTimeoutMs: config.BROKER_CONNECT_TIMEOUT_MS,
    onConnectionChange: (up) => metrics.brokerConnected.set(up ? 1 : 0),
  });
  const publisher = createPublisher({
    manager,
    topology,
    logger,
    publishTimeoutMs: config.PUBLISH_TIMEOUT_MS,
    maxBufferedPublishes: config.PUBLISH_BUFFER_MAX,
    declareTopology: config.BROKER_DECLARE_TOPOLOGY,
    // Only the current key signs; TASK_SIGNING_KEY_PREVIOUS is for the workers that verify.
    sign: config.TASK_SIGNING_KEY === undefined ? undefined : await createMessageSigner({ current: config.TASK_SIGNING_KEY }),
  });
  // A declaring API starts once the topology is declared (or fails with BrokerRefusedError); one
  // that only checks serves at once and is not ready (503) until a worker has declared it.
  if (config.BROKER_DECLARE_TOPOLOGY) await publisher.waitForReady();
  const queueDepths = createQueueDepths({
    manager,
    management: createManagementApi({
      url: config.RABBITMQ_MANAGEMENT_URL ?? managementUrlFrom(config.AMQP_URL),
      vhost: vhostFromAmqpUrl(config.AMQP_URL),
      timeoutMs: config.RABBITMQ_MANAGEMENT_TIMEOUT_MS,
    }),
    logger,
    timeoutMs: config.RABBITMQ_MANAGEMENT_TIMEOUT_MS,
  });
  exposeQueueDepths(metrics, queueDepths, topology, config.RABBITMQ_MANAGEMENT_TIMEOUT_MS);
  const afterResponse = createAfterResponse(logger);
  const adminKey = config.AUTH === 'on' ? await ensureAdminKey(storage.keys, config.ADMIN_API_KEY) : undefined;
  let accepting = true;
  const scheduler = createScheduler({ storage, publisher, exchange: topology.taskExchange, logger, maxSleepMs: config.SCHEDULER_MAX_SLEEP_MS });
  const app = createApp({
    onScheduled: (dueMs) => scheduler.scheduled(dueMs),
    bulkCancelMax: config.BULK_CANCEL_MAX,
    publisher,
    storage,
    topology,
    logger,
    metrics,
    afterResponse,
    queueDepths,
    deadLetters: {
      open: () => openDeadLetterQueue({ manager, queue: topology.deadLetterQueue }),
      // A re-drive accepts what workers accept (both keys); the publisher signs its copy with the current one.
      verifier:
        config.TASK_SIGNING_KEY === undefined ? undefined : await createMessageSigner({ current: config.TASK_SIGNING_KEY, previous: config.TASK_SIGNING_KEY_PREVIOUS }),
    },
    limits: { uploadMaxBytes: config.UPLOAD_MAX_BYTES, datasetMaxBytes: config.DATASET_MAX_BYTES, jsonBodyMaxBytes: config.JSON_BODY_MAX_BYTES },
    idempotencyTtlMs: config.IDEMPOTENCY_TTL_MS,
    isAccepting: () => accepting,
    auth: config.AUTH === 'on' ? { mode: 'keys', keys: storage.keys } : { mode: 'off' },
    guards: {
      rateLimit: { rps: config.RATE_LIMIT_RPS, burst: config.RATE_LIMIT_BURST },
      tenantMaxActiveTasks: config.TENANT_MAX_ACTIVE_TASKS,
      uploadsPerKey: config.UPLOADS_PER_KEY_MAX,
      corsOrigins: corsOrigins(config),
      metricsToken: config.METRICS_TOKEN,
    },
    events: { pollMs: config.EVENTS_POLL_MS, maxStreams: config.EVENTS_MAX_STREAMS },
    consoleDir: findConsoleDir(),
    // One pace for every live view: a task's stream and the console's changes feed.
    consoleEvents: { feedPollMs: config.EVENTS_POLL_MS },
  });
  // Expired Idempotency-Keys answer as absent anyway; sweeping them only reclaims the space.
  const sweeper = setInterval(() => {
    storage.idempotency.sweepExpired().then(
      (removed) => removed > 0 && logger.info({ removed }, 'swept expired idempotency keys'),
      (err: unknown) => logger.warn({ err }, 'sweeping idempotency keys failed'),
    );
    // Workers silent for a day are no longer listed; their rows only take space.
    storage.workers.sweep(Date.now() - LOST_WORKERS_KEPT_MS).then(
      (removed) => removed > 0 && logger.info({ removed }, 'swept the heartbeat rows of long-lost workers'),
      (err: unknown) => logger.warn({ err }, 'sweeping lost workers failed'),
    );
  }, 60 * 60 * 1000);
  sweeper.unref();
  const retention = startRetentionSweeps(storage, {
    ...retentionOptionsFrom(config),
    onSwept: (deleted) => {
      if (Object.values(deleted).some((n) => n > 0)) logger[deleted.blob_failures > 0 ? 'warn' : 'info']({ deleted }, 'retention sweep');
    },
    onError: (err) => logger.warn({ err }, 'retention sweep failed; the next one runs on time'),
  });
  const server = createHttpServer(app, { requestTimeoutMs: config.REQUEST_TIMEOUT_MS, idleTimeoutMs: config.REQUEST_IDLE_TIMEOUT_MS }, logger);
  await listen(server, { port: config.PORT, host: config.HOST, variable: 'PORT' });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;
  logger.info({ port, auth: config.AUTH }, 'offload API listening');
  reportAccess(logger, config.AUTH, adminKey, port);
  scheduler.start();

  let shuttingDown: Promise<void> | undefined;
  const shutdown = (signal: string) => {
    shuttingDown ??= (async () => {
      logger.info({ signal }, 'shutting down: readiness off, draining requests');
      accepting = false;
      const deadline = Date.now() + config.API_SHUTDOWN_GRACE_MS;
      clearInterval(sweeper);
      const steps: [string, () => Promise<unknown>][] = [
        ['http', () => closeServer(server, Math.max(0, deadline - Date.now()))],
        ['after-response', () => afterResponse.drain(Math.max(0, deadline - Date.now()))],
        ['retention', () => retention.stop()],
        ['scheduler', () => scheduler.stop()],
        ['publisher', () => publisher.close()],
        ['broker', () => manager.close()],
        ['storage', () => storage.close()],
        ['tracing', () => tracing.shutdown()],
      ];
      for (const [name, step] of steps) {
        try {
          await step();
        } catch (err) {
          logger.error({ err, step: name }, 'shutdown step failed');
        }
      }
      logger.info('shut down cleanly');
    })();
    return shuttingDown;
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM').then(() => process.exit(0)));
  process.once('SIGINT', () => void shutdown('SIGINT').then(() => process.exit(0)));
}

main().catch((err: unknown) => {
  if (err instanceof BrokerUnreachableError || err instanceof BrokerRefusedError || err instanceof RecordStoreUnreachableError || err instanceof ConfigError || err instanceof ListenError) {
    process.stderr.write(`offload-api: ${err.message}\n`);
  } else {
    process.stderr.write(`offload-api: failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  }
  process.exit(1);
});
