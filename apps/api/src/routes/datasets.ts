import { Router } from 'express';
import { HttpProblem } from '../http-errors';

/** `POST /v1/datasets` lands with the analysis task type (issue #4); until then it says so. */
export function datasetRoutes(): Router {
  const router = Router();
  router.post('/v1/datasets', () => {
    throw new HttpProblem('not_implemented', 'dataset uploads are not available yet; POST /v1/tasks with task_type "analysis" and inline rows instead');
  });
  return router;
}
