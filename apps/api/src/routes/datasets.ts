import { Router } from 'express';
import { analysisContentInputSchema, toFieldProblems, type TaskInput } from '@offload/contracts';
import { HttpProblem, validationProblem } from '../http-errors';
import { discardUploads, multipartFields, uploadedFiles } from '../multipart';
import { acceptTask } from '../accept-task';
import { coerceFormFields } from '../form-fields';
import { requireMultipart } from './uploads';
import type { TaskRoutesDeps } from './tasks';

const DATASET_TYPES = new Set(['text/csv', 'application/json']);

/** `columns` as a form field: repeated, or one comma-separated value. */
function columnList(value: unknown): unknown {
  if (typeof value === 'string') return value.split(',').map((c) => c.trim()).filter((c) => c !== '');
  return value;
}

/** `POST /v1/datasets`: upload a CSV, TSV, JSON array or NDJSON file and queue its analysis. */
export function datasetRoutes(deps: TaskRoutesDeps & { datasetMaxBytes: number }): Router {
  const router = Router();
  const upload = multipartFields(deps.storage.blobs, [{ name: 'file', maxCount: 1 }], { maxFileBytes: deps.datasetMaxBytes });
  router.post('/v1/datasets', requireMultipart, upload, async (req, res) => {
    try {
      const file = uploadedFiles(req).file?.[0];
      if (!file) throw validationProblem([{ path: 'file', message: 'multipart file field "file" is required', code: 'invalid_type' }]);
      if (!DATASET_TYPES.has(file.mimetype)) {
        throw new HttpProblem('unsupported_media_type', 'the file is not a text dataset (CSV, TSV, JSON array or NDJSON)');
      }
      const fields = coerceFormFields(req.body, ['histogram_bins'], []);
      if ('columns' in fields) fields.columns = columnList(fields.columns);
      const content = analysisContentInputSchema.safeParse({ ...fields, dataset: file.filename });
      if (!content.success) throw validationProblem(toFieldProblems(content.error));
      const input: TaskInput = { task_type: 'analysis', content: content.data };
      const { dataset: _key, ...options } = content.data;
      const outcome = await acceptTask(deps, req, res, input, { ...options, file: file.sha256 });
      if (outcome.kind === 'replayed') await discardUploads(deps.storage.blobs, req);
    } catch (err) {
      await discardUploads(deps.storage.blobs, req);
      throw err;
    }
  });
  return router;
}
