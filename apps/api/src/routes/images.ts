import { Router } from 'express';
import { watermarkOptionsInputSchema, toFieldProblems, type TaskInput } from '@offload/contracts';
import { childTraceparent } from '@offload/telemetry';
import { HttpProblem, validationProblem } from '../http-errors';
import { discardUploads, multipartFields, uploadedFiles } from '../multipart';
import { acceptedBody, submitTask } from '../submit-task';
import { coerceFormFields } from '../form-fields';
import { requireMultipart } from './uploads';
import type { TaskRoutesDeps } from './tasks';

const NUMBER_FIELDS = ['opacity', 'size', 'margin', 'quality'] as const;
const BOOLEAN_FIELDS = ['tile'] as const;

/** `POST /v1/images`: upload an image (and optional logo) and queue a watermark task in one call. */
export function imageRoutes(deps: TaskRoutesDeps & { uploadMaxBytes: number }): Router {
  const router = Router();
  const upload = multipartFields(
    deps.storage.blobs,
    [
      { name: 'image', maxCount: 1 },
      { name: 'logo', maxCount: 1 },
    ],
    { maxFileBytes: deps.uploadMaxBytes },
  );
  router.post('/v1/images', requireMultipart, upload, async (req, res) => {
    try {
      const files = uploadedFiles(req);
      const image = files.image?.[0];
      const logo = files.logo?.[0];
      if (!image) {
        throw validationProblem([{ path: 'image', message: 'multipart file field "image" is required', code: 'invalid_type' }]);
      }
      for (const [field, file] of [['image', image], ['logo', logo]] as const) {
        if (file && !file.mimetype.startsWith('image/')) {
          throw new HttpProblem('unsupported_media_type', `the "${field}" file is not an image (JPEG, PNG, WebP, GIF, AVIF or TIFF)`);
        }
      }
      const fields = coerceFormFields(req.body, NUMBER_FIELDS, BOOLEAN_FIELDS);
      const options = watermarkOptionsInputSchema.safeParse({ ...fields, ...(logo ? { logo: logo.filename } : {}) });
      if (!options.success) throw validationProblem(toFieldProblems(options.error));
      const input: TaskInput = { task_type: 'watermark', content: { image: image.filename, watermark: options.data } };
      const record = await submitTask(deps, input, { log: req.log, traceparent: childTraceparent(req.get('traceparent')) });
      const body = acceptedBody(record);
      deps.afterResponse.run('audit', () => req.log.info({ audit: 'task_accepted', task_id: record.id, task_type: record.task_type }, 'task accepted'));
      res.status(202).location(body.links.self).json(body);
    } catch (err) {
      await discardUploads(deps.storage.blobs, req);
      throw err;
    }
  });
  return router;
}
