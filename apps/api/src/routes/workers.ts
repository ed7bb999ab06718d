import { Router } from 'express';
import type { WorkerView } from '@offload/contracts';
import type { WorkerStore } from '@offload/storage';
import { needs } from '../access';
import { LOST_WORKERS_KEPT_MS, workerView } from '../worker-status';

export interface WorkersRoutesDeps {
  workers: WorkerStore;
}

/** Every worker process that beat within a day, judged live or lost now. */
export async function readWorkers(workers: WorkerStore): Promise<{ workers: WorkerView[] }> {
  const at = Date.now();
  const rows = await workers.list({ beatSinceMs: at - LOST_WORKERS_KEPT_MS });
  return { workers: rows.map((row) => workerView(row, at)) };
}

/** `GET /v1/workers` (admin): every worker process that beat within a day, live or lost. */
export function workersRoutes(deps: WorkersRoutesDeps): Router {
  const router = Router();

  router.get('/v1/workers', needs('admin'), async (_req, res) => {
    res.json(await readWorkers(deps.workers));
  });

  return router;
}
