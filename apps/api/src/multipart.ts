import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import type { Request } from 'express';
import multer, { type Field, type StorageEngine } from 'multer';
import type { BlobStore } from '@offload/storage';
import { newUploadKey } from '@offload/storage';
import { SNIFF_BYTES, sniffContentType } from './content-sniff';

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

/**
 * A multer storage engine that streams each file into the blob store under a fresh server-issued
 * key (never buffering it) and sniffs its content type from the bytes. The key is reported in
 * `file.filename`, the sniffed type (or `application/octet-stream`) in `file.mimetype`.
 */
export function blobStorageEngine(blobs: BlobStore, maxBytes: number): StorageEngine {
  return {
    _handleFile(req, file, callback) {
      const key = newUploadKey();
      const head = new HeadCapture(req.get('idempotency-key') === undefined ? undefined : createHash('sha256'));
      file.stream.pipe(head);
      blobs.put(key, head, { maxBytes: maxBytes + 1 }).then(
        ({ bytes }) => {
          const digest = head.digest();
          callback(null, {
            filename: key,
            size: bytes,
            mimetype: sniffContentType(head.head()) ?? 'application/octet-stream',
            ...(digest === undefined ? {} : { sha256: digest }),
          });
        },
        (err: unknown) => callback(err),
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

export interface MultipartLimits {
  maxFileBytes: number;
}

/**
 * multer with every limit set explicitly (its defaults are unlimited). Unknown file fields fail
 * with LIMIT_UNEXPECTED_FILE; unknown text fields are left for the route's strict schema.
 */
export function multipartFields(blobs: BlobStore, fields: readonly Field[], limits: MultipartLimits) {
  return multer({
    storage: blobStorageEngine(blobs, limits.maxFileBytes),
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
