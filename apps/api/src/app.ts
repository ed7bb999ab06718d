import express, { type Express } from 'express';
import type { Topology } from '@offload/contracts';
import type { Publisher, QueueDepths } from '@offload/broker';
import type { Storage } from '@offload/storage';
import type { Logger, Metrics } from '@offload/telemetry';
import type { AfterResponse } from './after-response';
import { HttpProblem } from './http-errors';
import { problemHandler } from './problem';
import { requestLog } from './request-log';
import { healthRoutes } from './routes/health';
import { statsRoutes } from './routes/stats';
import { taskFormRoutes } from './routes/task-forms';
import { taskListRoutes } from './routes/task-list';
import { taskRoutes } from './routes/tasks';
import { uploadRoutes } from './routes/uploads';
import { workersRoutes } from './routes/workers';

export interface AppDeps {
  publisher: Publisher;
  storage: Storage;
  topology: Topology;
  logger: Logger;
  metrics: Metrics;
  afterResponse: AfterResponse;
  /** Queue depths for GET /v1/stats. */
  queueDepths: QueueDepths;
  limits: { uploadMaxBytes: number; datasetMaxBytes: number; jsonBodyMaxBytes: number };
  /** How long an Idempotency-Key keeps answering with its task. @defaultValue 24 h */
  idempotencyTtlMs?: number;
  /** Seconds a client should wait before retrying after a 503. @defaultValue 5 */
  retryAfterSeconds?: number;
  /** False once shutdown began: readiness fails so the load balancer stops sending traffic. */
  isAccepting?: () => boolean;
}

/** Builds the Express app from what it is given. Reads no env, opens nothing, never listens. */
export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
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
  };
  app.use(
    healthRoutes({
      registry: deps.metrics.registry,
      checkReady: async () => {
        if (deps.isAccepting && !deps.isAccepting()) throw new Error('shutting down');
        if (!deps.publisher.isReady()) throw new Error('no confirmed channel to RabbitMQ');
        await deps.storage.checkWritable();
      },
    }),
  );
  app.use(uploadRoutes({ storage: deps.storage, uploadMaxBytes: deps.limits.uploadMaxBytes }));
  app.use(taskFormRoutes({ ...submitDeps, uploadMaxBytes: deps.limits.uploadMaxBytes, datasetMaxBytes: deps.limits.datasetMaxBytes }));
  app.use(taskListRoutes({ queries: deps.storage.queries }));
  app.use(taskRoutes(submitDeps));
  app.use(statsRoutes({ queries: deps.storage.queries, queueDepths: deps.queueDepths, topology: deps.topology }));
  app.use(workersRoutes({ workers: deps.storage.workers }));
  app.use((req, _res, next) => next(new HttpProblem('not_found', `no route for ${req.method} ${req.path}`)));
  app.use(problemHandler());
  return app;
}
