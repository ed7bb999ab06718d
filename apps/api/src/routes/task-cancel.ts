import { Router, json, type Request } from 'express';
import { canSee, needs, tenantScope } from '../access';
import { cancelMatching, cancelTask, type CancelDeps } from '../cancel-tasks';
import { HttpProblem, validationProblem } from '../http-errors';
import { parseTaskListQuery, toListRequest } from '../task-list-query';
import { taskIdParam } from './tasks';

export interface TaskCancelRoutesDeps extends CancelDeps {
  jsonBodyMaxBytes: number;
  /** Tasks one bulk cancel cancels at most (BULK_CANCEL_MAX). */
  bulkCancelMax: number;
}

/** The listing's filters a bulk cancel takes: never a page position. */
const FILTERS = ['status', 'task_type', 'created_after', 'created_before', 'tenant', 'id_prefix'];

/**
 * The filters of a bulk cancel: the query string, or a JSON body with the same names (not both).
 * At least one filter: a bare POST must never cancel everything a tenant has.
 */
function bulkFilters(req: Request): unknown {
  const query: Record<string, unknown> = { ...req.query };
  const body: unknown = req.body;
  const hasBody = body !== null && typeof body === 'object' && Object.keys(body).length > 0;
  if (hasBody && Object.keys(query).length > 0) {
    throw validationProblem([{ path: 'query', message: 'give the filters in the query string or in a JSON body, not both', code: 'custom' }]);
  }
  const filters: Record<string, unknown> = hasBody ? { ...(body as Record<string, unknown>) } : query;
  const paging = Object.keys(filters).filter((k) => k === 'limit' || k === 'cursor');
  if (paging.length > 0) {
    throw validationProblem(paging.map((k) => ({ path: `query.${k}`, message: `unknown parameter; this route takes ${FILTERS.join(', ')}`, code: 'unrecognized_keys' })));
  }
  if (!Object.keys(filters).some((k) => FILTERS.includes(k))) {
    throw validationProblem([{ path: 'query', message: `name at least one filter (${FILTERS.join(', ')}); to cancel every live task, say status=scheduled,queued,processing,retrying`, code: 'custom' }]);
  }
  return filters;
}

/** `POST /v1/tasks/:id/cancel` and `POST /v1/tasks/cancel`. */
export function taskCancelRoutes(deps: TaskCancelRoutesDeps): Router {
  const router = Router();
  const body = json({ limit: deps.jsonBodyMaxBytes, type: ['application/json', 'application/*+json'] });

  router.post('/v1/tasks/cancel', needs('tasks:write'), body, async (req, res) => {
    const query = parseTaskListQuery(bulkFilters(req));
    const { limit: _limit, cursor: _cursor, ...filter } = toListRequest(query, tenantScope(req, query.tenant));
    const outcome = await cancelMatching(deps, filter, deps.bulkCancelMax, req.log);
    req.log.info({ audit: 'tasks_cancelled', cancelled: outcome.cancelled, more: outcome.more }, 'bulk cancel');
    res.json(outcome);
  });

  router.post('/v1/tasks/:id/cancel', needs('tasks:write'), async (req, res) => {
    const id = taskIdParam(req);
    const current = await deps.storage.records.get(id);
    if (current === undefined || !canSee(req, current)) throw new HttpProblem('not_found', `no task with id ${id}`);
    const { record } = await cancelTask(deps, id, req.log);
    res.status(202).json(record);
  });

  return router;
}
