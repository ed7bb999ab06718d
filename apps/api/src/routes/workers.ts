import { Router } from 'express';
import type { WorkerStore } from '@offload/storage';
import { needs } from '../access';
import { LOST_WORKERS_KEPT_MS, workerView } from '../worker-status';

export interface WorkersRoutesDeps {
  workers: WorkerStore;
}

/** `GET /v1/workers` (admin): every worker process that beat within a day, live or lost. */
export function workersRoutes(deps: WorkersRoutesDeps): Router {
  const router = Router();

  router.get('/v1/workers', needs('admin'), async (_req, res) => {
    const at = Date.now();
    const rows = await deps.workers.list({ beatSinceMs: at - LOST_WORKERS_KEPT_MS });
    res.json({ workers: rows.map((row) => workerView(row, at)) });
  });

  return router;
}
