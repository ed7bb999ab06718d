import { Router } from 'express';
import { z } from 'zod';
import { tenantSchema, type HistoryBody, type StatsBody, type Topology } from '@offload/contracts';
import type { QueueDepths } from '@offload/broker';
import type { TaskActivity, TaskFilter, TaskQueries } from '@offload/storage';
import { needs, tenantScope } from '../access';
import { parseQuery } from '../query-params';
import { historyBody } from '../stats-history';
import { statsBody, statsQueues } from '../stats-report';

export interface StatsRoutesDeps {
  queries: TaskQueries;
  activity: TaskActivity;
  queueDepths: QueueDepths;
  topology: Topology;
}

/** Finished tasks whose times one history reads at most (the newest of the window). */
export const HISTORY_SAMPLE_MAX = 10_000;
/** Buckets of a history at most: the width grows with the window. */
const HISTORY_BUCKETS = 60;
const MINUTE_MS = 60_000;

/** `tenant` (admins): one tenant's counts. */
const statsQuerySchema = z.strictObject({ tenant: tenantSchema.optional() });

const historyQuerySchema = z.strictObject({
  tenant: tenantSchema.optional(),
  minutes: z
    .string()
    .regex(/^\d{1,4}$/, 'must be a whole number of minutes from 5 to 1440')
    .transform(Number)
    .pipe(z.number().int().min(5, 'must be at least 5').max(1_440, 'must be at most 1440 (a day)'))
    .default(60),
});

/** Counts per type and status, and the broker's queue depths: `GET /v1/stats`. */
export async function readStats(deps: Omit<StatsRoutesDeps, 'activity'>, scope: Pick<TaskFilter, 'tenant'>): Promise<StatsBody> {
  const [counts, depths] = await Promise.all([deps.queries.counts(scope), deps.queueDepths.read(statsQueues(deps.topology))]);
  return statsBody(counts, depths, deps.topology);
}

/** What finished in the last `minutes`: `GET /v1/stats/history`. */
export async function readHistory(activity: TaskActivity, scope: Pick<TaskFilter, 'tenant'>, minutes: number): Promise<HistoryBody> {
  const nowMs = Date.now();
  const bucketMs = Math.ceil(minutes / HISTORY_BUCKETS) * MINUTE_MS;
  const sinceMs = nowMs - minutes * MINUTE_MS;
  const history = await activity.history({ sinceMs, bucketMs, sampleMax: HISTORY_SAMPLE_MAX, ...scope });
  return historyBody(history, { sinceMs, bucketMs, nowMs, sampleMax: HISTORY_SAMPLE_MAX });
}

/**
 * `GET /v1/stats`: tasks per type and status from the record database, queue depths from the
 * broker. `GET /v1/stats/history`: finished tasks per type over time, with wait and run times.
 */
export function statsRoutes(deps: StatsRoutesDeps): Router {
  const router = Router();

  router.get('/v1/stats', needs('tasks:read'), async (req, res) => {
    const query = parseQuery(statsQuerySchema, req.query);
    res.json(await readStats(deps, tenantScope(req, query.tenant)));
  });

  router.get('/v1/stats/history', needs('tasks:read'), async (req, res) => {
    const query = parseQuery(historyQuerySchema, req.query);
    res.json(await readHistory(deps.activity, tenantScope(req, query.tenant), query.minutes));
  });

  return router;
}
