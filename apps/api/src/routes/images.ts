import { Router } from 'express';
import { watermarkOptionsInputSchema, toFieldProblems, type TaskInput } from '@offload/contracts';
import { HttpProblem, validationProblem } from '../http-errors';
import { discardUploads, multipartFields, uploadedFiles } from '../multipart';
import { acceptTask } from '../accept-task';
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
      // Upload keys are new on every request; the same request is the same bytes and options.
      const { logo: _logoKey, ...watermark } = options.data;
      const outcome = await acceptTask(deps, req, res, input, { ...watermark, image: image.sha256, logo: logo?.sha256 });
      // A replay answers with the task the key first created; this request's files are not needed.
      if (outcome.kind === 'replayed') await discardUploads(deps.storage.blobs, req);
    } catch (err) {
      await discardUploads(deps.storage.blobs, req);
      throw err;
    }
  });
  return router;
}
