import { Router } from 'express';
import type { Topology } from '@offload/contracts';
import type { QueueDepths } from '@offload/broker';
import type { TaskQueries } from '@offload/storage';
import { tenantScope } from '../access';
import { statsBody, statsQueues } from '../stats-report';

export interface StatsRoutesDeps {
  queries: TaskQueries;
  queueDepths: QueueDepths;
  topology: Topology;
}

/** `GET /v1/stats`: tasks per type and status from the record database, queue depths from the broker. */
export function statsRoutes(deps: StatsRoutesDeps): Router {
  const router = Router();

  router.get('/v1/stats', async (req, res) => {
    const [counts, depths] = await Promise.all([deps.queries.counts(tenantScope(req)), deps.queueDepths.read(statsQueues(deps.topology))]);
    res.json(statsBody(counts, depths, deps.topology));
  });

  return router;
}
