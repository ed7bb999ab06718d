import { Router } from 'express';
import type { TaskQueries } from '@offload/storage';
import { needs, tenantScope } from '../access';
import { invalidCursorProblem, isInvalidCursor, parseTaskListQuery, taskListBody, toListRequest } from '../task-list-query';

export interface TaskListRoutesDeps {
  queries: TaskQueries;
}

/** `GET /v1/tasks`: the caller's tasks, newest first, filtered, a page at a time. */
export function taskListRoutes(deps: TaskListRoutesDeps): Router {
  const router = Router();

  router.get('/v1/tasks', needs('tasks:read'), async (req, res) => {
    const query = parseTaskListQuery(req.query);
    const page = await deps.queries.list(toListRequest(query, tenantScope(req, query.tenant))).catch((err: unknown) => {
      throw isInvalidCursor(err) ? invalidCursorProblem(err) : err;
    });
    const body = taskListBody(query, page);
    if (body.links !== undefined) res.links({ next: body.links.next });
    res.json(body);
  });

  return router;
}
