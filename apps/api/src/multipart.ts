import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import multer, { MulterError, type Field, type StorageEngine } from 'multer';
import { OffloadError } from '@offload/contracts';
import type { BlobStore, Storage } from '@offload/storage';
import { newUploadKey } from '@offload/storage';
import { callerTenant } from './access';
import { SNIFF_BYTES, sniffContentType } from './content-sniff';
import { ClientGoneError, HttpProblem } from './http-errors';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    // eslint-disable-next-line @typescript-eslint/no-namespace
    namespace Multer {
      interface File {
        /**
         * SHA-256 of the file's bytes (hex), computed while it streamed into storage; only when
         * the request carries an Idempotency-Key, whose request fingerprint is all it is for.
         */
        sha256?: string;
      }
    }
  }
}

/** Keeps the first SNIFF_BYTES of a stream (and hashes all of it when asked), while passing it through. */
class HeadCapture extends Transform {
  private readonly chunks: Buffer[] = [];
  private captured = 0;

  constructor(private readonly hash: Hash | undefined) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.hash?.update(chunk);
    if (this.captured < SNIFF_BYTES) {
      this.chunks.push(chunk.subarray(0, SNIFF_BYTES - this.captured));
      this.captured += Math.min(chunk.length, SNIFF_BYTES - this.captured);
    }
    callback(null, chunk);
  }

  head(): Buffer {
    return Buffer.concat(this.chunks);
  }

  /** Valid once the stream has ended; undefined when not hashing. */
  digest(): string | undefined {
    return this.hash?.digest('hex');
  }
}

/** Where an upload goes: its bytes to the blob store, its key, type and size to the upload registry (retention). */
export type UploadStorage = Pick<Storage, 'blobs' | 'uploads'>;

/**
 * A multer storage engine that streams each file into the blob store under a fresh server-issued
 * key (never buffering it), sniffs its content type from the bytes and records the upload. The key
 * is reported in `file.filename`, the sniffed type (or `application/octet-stream`) in
 * `file.mimetype`.
 */
export function blobStorageEngine(storage: UploadStorage, maxBytes: number): StorageEngine {
  const { blobs } = storage;
  return {
    _handleFile(req, file, callback) {
      const key = newUploadKey();
      const head = new HeadCapture(req.get('idempotency-key') === undefined ? undefined : createHash('sha256'));
      // The part's own stream failing (a malformed body) is reported by multer itself; anything
      // else that fails the write is the server's fault, not the client's.
      let partFailed = false;
      file.stream.once('error', (err) => {
        partFailed = true;
        // `pipe` does not end its destination when the source fails: without this the write
        // would wait (holding its file) for bytes that never come.
        head.destroy(err);
      });
      // busboy does not end or fail a part's stream when the request is cut off (a timeout, a
      // client gone): without this the write would hold its temp file open for ever.
      const onRequestClosed = () => {
        if (!req.complete) head.destroy(new Error('the request closed before the file was complete'));
      };
      req.once('close', onRequestClosed);
      // Whatever fails `head` also fails the write below, which reports it; without a listener
      // of its own an error that lands before the write starts reading would be uncaught.
      head.on('error', () => undefined);
      file.stream.pipe(head);
      blobs
        .put(key, head, { maxBytes: maxBytes + 1 })
        .finally(() => req.off('close', onRequestClosed))
        .then(
          async ({ bytes }) => {
            const mimetype = sniffContentType(head.head()) ?? 'application/octet-stream';
            try {
              await storage.uploads.add({ key, content_type: mimetype, size: bytes, tenant: callerTenant(req) });
            } catch (err) {
              // Unrecorded, retention would never delete it: it goes now, and the request fails.
              await blobs.delete(key).catch(() => undefined);
              callback(err instanceof OffloadError ? err : new UploadStoreError(err));
              return;
            }
            const digest = head.digest();
            callback(null, { filename: key, size: bytes, mimetype, ...(digest === undefined ? {} : { sha256: digest }) });
          },
          (err: unknown) => callback(partFailed ? err : new UploadStoreError(err)),
        );
    },
    _removeFile(_req, file, callback) {
      blobs.delete(file.filename).then(
        () => callback(null),
        (err: unknown) => callback(err instanceof Error ? err : new Error(String(err))),
      );
    },
  };
}

/** Writing an upload to storage failed for a reason of the server's (disk full, permissions). */
export class UploadStoreError extends OffloadError {
  constructor(cause: unknown) {
    super('internal_error', 'storing the upload failed', { cause });
    this.name = 'UploadStoreError';
  }
}

export interface MultipartLimits {
  maxFileBytes: number;
}

/** NUL, CR, LF and the other C0 controls, DEL: never part of a file name a client means. */
const CONTROL_CHARACTER = /[\x00-\x1f\x7f]/;

/**
 * What multer and busboy report, sorted into ours: their limits keep their MulterError (the
 * problem handler maps each), a client that went away is no one's error, our own typed errors pass,
 * and everything else busboy throws (no boundary, a wrong or unterminated one, a malformed part
 * header) is a malformed body: `400 malformed_multipart`.
 */
function classifyMultipartError(err: unknown, req: Request): unknown {
  if (err instanceof MulterError || err instanceof OffloadError) return err;
  if (req.socket.destroyed || (err instanceof Error && /^Request (aborted|closed|error)$/.test(err.message))) return new ClientGoneError(err);
  const reason = err instanceof Error ? err.message.replace(/^Multipart: /, '') : String(err);
  return new HttpProblem('malformed_multipart', `the multipart body is malformed: ${reason.slice(0, 200)}`);
}

/**
 * multer with every limit set explicitly (its defaults are unlimited). Unknown file fields fail
 * with LIMIT_UNEXPECTED_FILE; unknown text fields are left for the route's strict schema.
 */
export function multipartFields(storage: UploadStorage, fields: readonly Field[], limits: MultipartLimits): RequestHandler {
  const parse = multer({
    storage: blobStorageEngine(storage, limits.maxFileBytes),
    fileFilter: (_req, file, accept) => {
      if (CONTROL_CHARACTER.test(file.originalname)) {
        accept(new HttpProblem('malformed_multipart', `the file name of part ${JSON.stringify(file.fieldname)} contains a control character (NUL, CR, LF, …)`));
        return;
      }
      accept(null, true);
    },
    limits: {
      fileSize: limits.maxFileBytes,
      // One more than allowed, so an extra file part fails as LIMIT_UNEXPECTED_FILE naming its
      // field rather than as an anonymous "too many files"; still a hard cap.
      files: fields.reduce((n, f) => n + (f.maxCount ?? 1), 0) + 1,
      fields: 20,
      fieldNameSize: 100,
      fieldSize: 4 * 1024,
      parts: 20 + fields.length,
      headerPairs: 100,
    },
  }).fields([...fields]);
  return (req: Request, res: Response, next: NextFunction) => {
    parse(req, res, (err?: unknown) => {
      next(err === undefined ? undefined : classifyMultipartError(err, req));
    });
  };
}

/** The files multer stored for a request, by field name. */
export function uploadedFiles(req: Request): Record<string, Express.Multer.File[]> {
  const files: unknown = req.files;
  return files !== null && typeof files === 'object' && !Array.isArray(files) ? (files as Record<string, Express.Multer.File[]>) : {};
}

/** Deletes every file a request stored (used when the request is refused after upload). */
export async function discardUploads(blobs: BlobStore, req: Request): Promise<void> {
  const all = Object.values(uploadedFiles(req)).flat();
  await Promise.all(all.map((f) => blobs.delete(f.filename).catch(() => undefined)));
}
