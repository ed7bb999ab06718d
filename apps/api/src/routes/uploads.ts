import { Router, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { needs } from '../access';
import { HttpProblem } from '../http-errors';
import { discardUploads, multipartFields, uploadedFiles, type UploadStorage } from '../multipart';

export function uploadRoutes(deps: { storage: UploadStorage; uploadMaxBytes: number; uploadSlot: RequestHandler }): Router {
  const router = Router();
  router.post('/v1/uploads', needs('tasks:write'), requireMultipart, deps.uploadSlot, multipartFields(deps.storage, [{ name: 'file', maxCount: 1 }], { maxFileBytes: deps.uploadMaxBytes }), async (req, res) => {
    const file = uploadedFiles(req).file?.[0];
    if (!file) {
      throw new HttpProblem('validation_failed', 'multipart field "file" is required', [{ path: 'file', message: 'required', code: 'invalid_type' }]);
    }
    if (file.mimetype === 'application/octet-stream') {
      await discardUploads(deps.storage.blobs, req);
      throw new HttpProblem('unsupported_media_type', 'the file is neither an image (JPEG, PNG, WebP, GIF, AVIF, TIFF) nor a text dataset');
    }
    res.status(201).json({ key: file.filename, content_type: file.mimetype, size: file.size });
  });
  return router;
}

/** 415 unless the body is multipart/form-data. */
export function requireMultipart(req: Request, _res: Response, next: NextFunction): void {
  if (!req.is('multipart/form-data')) {
    next(new HttpProblem('unsupported_media_type', `${req.method} ${req.path} takes multipart/form-data`));
    return;
  }
  next();
}
