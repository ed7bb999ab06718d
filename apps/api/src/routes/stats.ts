import { Router } from 'express';
import { z } from 'zod';
import { tenantSchema, type Topology } from '@offload/contracts';
import type { QueueDepths } from '@offload/broker';
import type { TaskQueries } from '@offload/storage';
import { needs, tenantScope } from '../access';
import { validationProblem } from '../http-errors';
import { statsBody, statsQueues } from '../stats-report';

export interface StatsRoutesDeps {
  queries: TaskQueries;
  queueDepths: QueueDepths;
  topology: Topology;
}

/** `tenant` (admins): one tenant's counts. */
const statsQuerySchema = z.object({ tenant: tenantSchema.optional() });

/** `GET /v1/stats`: tasks per type and status from the record database, queue depths from the broker. */
export function statsRoutes(deps: StatsRoutesDeps): Router {
  const router = Router();

  router.get('/v1/stats', needs('tasks:read'), async (req, res) => {
    const query = statsQuerySchema.safeParse(req.query);
    if (!query.success) {
      throw validationProblem(
        query.error.issues.map((issue) => ({ path: `query.${issue.path.map(String).join('.')}`, message: issue.message, code: issue.code })),
        'the query failed validation',
      );
    }
    const [counts, depths] = await Promise.all([deps.queries.counts(tenantScope(req, query.data.tenant)), deps.queueDepths.read(statsQueues(deps.topology))]);
    res.json(statsBody(counts, depths, deps.topology));
  });

  return router;
}
