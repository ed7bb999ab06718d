import { Router } from 'express';
import type { Metrics } from '@offload/telemetry';
import { sendProblem } from '../problem';

export interface HealthDeps {
  /** Resolves when the process can serve (broker channel up, storage writable); throws why not. */
  checkReady: () => Promise<void>;
  registry: Metrics['registry'];
}

/** `/livez` (the process runs), `/readyz` (it can do its job now), `/metrics` (Prometheus). */
export function healthRoutes(deps: HealthDeps): Router {
  const router = Router();
  router.get('/livez', (_req, res) => {
    res.json({ status: 'alive' });
  });
  router.get('/readyz', async (_req, res) => {
    try {
      await deps.checkReady();
      res.json({ status: 'ready' });
    } catch (err) {
      sendProblem(res, 'broker_unavailable', `not ready: ${err instanceof Error ? err.message : String(err)}`, undefined, { 'Retry-After': '1' });
    }
  });
  router.get('/metrics', async (_req, res) => {
    res.type(deps.registry.contentType).send(await deps.registry.metrics());
  });
  return router;
}
