import express, { type Express } from 'express';
import helmet from 'helmet';
import type { Topology } from '@offload/contracts';
import type { Publisher, QueueDepths } from '@offload/broker';
import type { RateLimit, Storage } from '@offload/storage';
import type { Logger, Metrics } from '@offload/telemetry';
import type { AfterResponse } from './after-response';
import { authenticate, type AuthOptions } from './authenticate';
import { crossOrigin } from './cross-origin';
import { HttpProblem } from './http-errors';
import { problemHandler } from './problem';
import { rateLimit } from './rate-limit';
import { requestLog } from './request-log';
import { deadLetterRoutes, type DeadLetterSource } from './routes/dead-letters';
import { consoleRoutes } from './routes/console';
import { consoleEventRoutes } from './routes/console-events';
import { healthRoutes } from './routes/health';
import { meRoutes } from './routes/me';
import { statsRoutes } from './routes/stats';
import { taskFormRoutes } from './routes/task-forms';
import { taskEventRoutes } from './routes/task-events';
import { taskListRoutes } from './routes/task-list';
import { taskCancelRoutes } from './routes/task-cancel';
import { taskRoutes } from './routes/tasks';
import { uploadRoutes } from './routes/uploads';
import { webhookRoutes } from './routes/webhooks';
import { workersRoutes } from './routes/workers';
import { createTaskChangeFeed } from './task-change-feed';
import { createTaskEventHub } from './task-event-hub';
import { uploadSlots } from './upload-slots';

export interface AppDeps {
  publisher: Publisher;
  storage: Storage;
  topology: Topology;
  logger: Logger;
  metrics: Metrics;
  afterResponse: AfterResponse;
  /** Queue depths for GET /v1/stats. */
  queueDepths: QueueDepths;
  /** The dead-letter queue for GET /v1/dead-letters and its re-drive and purge (admin). */
  deadLetters: DeadLetterSource;
  limits: { uploadMaxBytes: number; datasetMaxBytes: number; jsonBodyMaxBytes: number };
  /** How long an Idempotency-Key keeps answering with its task. @defaultValue 24 h */
  idempotencyTtlMs?: number;
  /** Seconds a client should wait before retrying after a 503. @defaultValue 5 */
  retryAfterSeconds?: number;
  /** False once shutdown began: readiness fails so the load balancer stops sending traffic. */
  isAccepting?: () => boolean;
  /** API keys, or AUTH=off (every request an admin of the default tenant). */
  auth: AuthOptions;
  /** Limits and browser rules; each has a default. */
  guards?: Partial<Guards>;
  /** GET /v1/tasks/:id/events; each has a default. */
  events?: Partial<EventOptions>;
  /** Tasks one bulk cancel cancels at most. @defaultValue 1 000 */
  bulkCancelMax?: number;
  /** Told of each task scheduled (its due time in ms): the scheduler wakes for it. */
  onScheduled?: (dueMs: number) => void;
  /** The built console (apps/console/dist), served at /console/; undefined: not served. */
  consoleDir?: string | undefined;
  /** GET /v1/events; each has a default. */
  consoleEvents?: Partial<ConsoleEventOptions>;
}

export interface ConsoleEventOptions {
  /** Time between two reads of the changes feed. */
  feedPollMs: number;
  /** Time between two `stats` events. */
  statsMs: number;
  /** Time between two `workers` events. */
  workersMs: number;
}

const DEFAULT_CONSOLE_EVENTS: ConsoleEventOptions = { feedPollMs: 500, statsMs: 5_000, workersMs: 2_000 };

export interface EventOptions {
  /** Time between two reads of a watched task's row. */
  pollMs: number;
  /** Event streams open at once in this process. */
  maxStreams: number;
  /** Time between two keep-alive comments on a stream. */
  heartbeatMs: number;
}

const DEFAULT_EVENTS: EventOptions = { pollMs: 250, maxStreams: 1_000, heartbeatMs: 15_000 };

export interface Guards {
  /** A key's rate when it sets none. */
  rateLimit: RateLimit;
  tenantMaxActiveTasks: number;
  uploadsPerKey: number;
  /** Web origins allowed to call the API (CORS); none by default. */
  corsOrigins: readonly string[];
  /** Bearer token of /metrics; without one, loopback callers only. */
  metricsToken: string | undefined;
}

const DEFAULT_GUARDS: Guards = {
  rateLimit: { rps: 50, burst: 100 },
  tenantMaxActiveTasks: 10_000,
  uploadsPerKey: 4,
  corsOrigins: [],
  metricsToken: undefined,
};

/** Builds the Express app from what it is given. Reads no env, opens nothing, never listens. */
export function createApp(deps: AppDeps): Express {
  const guards = { ...DEFAULT_GUARDS, ...deps.guards };
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  app.use(helmet());
  app.use(requestLog(deps.logger));
  const submitDeps = {
    publisher: deps.publisher,
    storage: deps.storage,
    topology: deps.topology,
    metrics: deps.metrics,
    afterResponse: deps.afterResponse,
    retryAfterSeconds: deps.retryAfterSeconds ?? 5,
    jsonBodyMaxBytes: deps.limits.jsonBodyMaxBytes,
    idempotencyTtlMs: deps.idempotencyTtlMs ?? 24 * 60 * 60 * 1000,
    tenantMaxActiveTasks: guards.tenantMaxActiveTasks,
    ...(deps.onScheduled === undefined ? {} : { onScheduled: deps.onScheduled }),
  };
  app.use(
    healthRoutes({
      registry: deps.metrics.registry,
      metricsToken: guards.metricsToken,
      checkReady: async () => {
        if (deps.isAccepting && !deps.isAccepting()) throw new Error('shutting down');
        if (!deps.publisher.isReady()) throw new Error('no confirmed channel to RabbitMQ');
        await deps.storage.checkWritable();
      },
    }),
  );
  app.use(consoleRoutes(deps.consoleDir));
  app.use(crossOrigin(guards.corsOrigins));
  // Every /v1 route: a caller (or 401), within its key's rate (or 429), and nothing cached.
  app.use('/v1', authenticate(deps.auth), rateLimit(deps.storage.rateLimits, guards.rateLimit), (_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    next();
  });
  const uploadSlot = uploadSlots(guards.uploadsPerKey);
  app.use(uploadRoutes({ storage: deps.storage, uploadMaxBytes: deps.limits.uploadMaxBytes, uploadSlot }));
  app.use(taskFormRoutes({ ...submitDeps, uploadMaxBytes: deps.limits.uploadMaxBytes, datasetMaxBytes: deps.limits.datasetMaxBytes, uploadSlot }));
  app.use(taskListRoutes({ queries: deps.storage.queries }));
  app.use(
    taskCancelRoutes({
      storage: deps.storage,
      jsonBodyMaxBytes: deps.limits.jsonBodyMaxBytes,
      bulkCancelMax: deps.bulkCancelMax ?? 1_000,
      metrics: deps.metrics,
      ...(deps.onScheduled === undefined ? {} : { onScheduled: deps.onScheduled }),
    }),
  );
  app.use(taskRoutes(submitDeps));
  const events = { ...DEFAULT_EVENTS, ...deps.events };
  const hub = createTaskEventHub({
    read: (id) => deps.storage.queries.recordVersion(id),
    pollMs: events.pollMs,
    maxWatchers: events.maxStreams,
    ...(deps.isAccepting === undefined ? {} : { isAccepting: deps.isAccepting }),
    onError: (err, id) => deps.logger.warn({ err, task_id: id }, 'reading a watched task failed; polling goes on'),
  });
  app.use(taskEventRoutes({ queries: deps.storage.queries, hub, retryMs: 2_000, heartbeatMs: events.heartbeatMs, retryAfterSeconds: submitDeps.retryAfterSeconds }));
  app.use(statsRoutes({ queries: deps.storage.queries, activity: deps.storage.activity, queueDepths: deps.queueDepths, topology: deps.topology }));
  const consoleEvents = { ...DEFAULT_CONSOLE_EVENTS, ...deps.consoleEvents };
  const feed = createTaskChangeFeed({
    activity: deps.storage.activity,
    pollMs: consoleEvents.feedPollMs,
    batchMax: 2_000,
    lookbackMs: 2_000,
    onError: (err) => deps.logger.warn({ err }, 'reading the changes feed failed; polling goes on'),
  });
  app.use(
    consoleEventRoutes({
      feed,
      queries: deps.storage.queries,
      activity: deps.storage.activity,
      queueDepths: deps.queueDepths,
      topology: deps.topology,
      workers: deps.storage.workers,
      statsMs: consoleEvents.statsMs,
      workersMs: consoleEvents.workersMs,
      retryMs: 2_000,
      heartbeatMs: events.heartbeatMs,
      maxStreams: events.maxStreams,
      retryAfterSeconds: submitDeps.retryAfterSeconds,
      ...(deps.isAccepting === undefined ? {} : { isAccepting: deps.isAccepting }),
    }),
  );
  app.use(meRoutes());
  app.use(workersRoutes({ workers: deps.storage.workers }));
  app.use(
    deadLetterRoutes({
      deadLetters: deps.deadLetters,
      publisher: deps.publisher,
      records: deps.storage.records,
      topology: deps.topology,
      jsonBodyMaxBytes: deps.limits.jsonBodyMaxBytes,
      retryAfterSeconds: submitDeps.retryAfterSeconds,
    }),
  );
  app.use(webhookRoutes({ webhookSecrets: deps.storage.webhookSecrets }));
  app.use((req, _res, next) => next(new HttpProblem('not_found', `no route for ${req.method} ${JSON.stringify(req.path.slice(0, 200))}`)));
  app.use(problemHandler());
  return app;
}
