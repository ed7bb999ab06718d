import { open, readFile, stat, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { OffloadError } from '@offload/contracts';
import { writeAll, writeFileAtomic } from './atomic-file';
import { BlobNotFoundError } from './blob-not-found-error';
import { hasErrorCode } from './has-error-code';
import { assertSafeKey } from './keys';
import type { BlobStore, PutBlobOptions } from './storage';

/** Blobs as files named by their key in `dir` (an absolute path that exists). */
export function createFsBlobStore(dir: string): BlobStore {
  const pathOf = (key: string): string => join(dir, assertSafeKey(key));

  return {
    async put(key, source, options = {}) {
      let bytes = 0;
      try {
        const path = pathOf(key);
        const limit = checkedLimit(options);
        await writeFileAtomic(path, async (file) => {
          bytes = source instanceof Uint8Array ? await writeBytes(file, source, limit) : await writeStream(file, source, limit);
        });
      } catch (err) {
        // A half-read source is of no use to anyone; leaving it paused would stall its producer.
        if (!(source instanceof Uint8Array)) {
          source.destroy();
        }
        throw err;
      }
      return { bytes };
    },

    async read(key) {
      const path = pathOf(key);
      try {
        return await readFile(path);
      } catch (err) {
        throw notFoundOr(err, key);
      }
    },

    async readHead(key, maxBytes) {
      let file: FileHandle;
      try {
        file = await open(pathOf(key), 'r');
      } catch (err) {
        throw notFoundOr(err, key);
      }
      try {
        const buffer = Buffer.alloc(maxBytes);
        let filled = 0;
        while (filled < maxBytes) {
          const { bytesRead } = await file.read(buffer, filled, maxBytes - filled, filled);
          if (bytesRead === 0) break;
          filled += bytesRead;
        }
        return buffer.subarray(0, filled);
      } finally {
        await file.close();
      }
    },

    async open(key) {
      const path = pathOf(key);
      let file: FileHandle;
      try {
        file = await open(path, 'r');
      } catch (err) {
        throw notFoundOr(err, key);
      }
      try {
        // The size of the open file, so a concurrent replace cannot make them disagree.
        const { size } = await file.stat();
        return { stream: file.createReadStream(), bytes: size };
      } catch (err) {
        await file.close();
        throw err;
      }
    },

    async exists(key) {
      try {
        return (await stat(pathOf(key))).isFile();
      } catch (err) {
        if (hasErrorCode(err, 'ENOENT')) {
          return false;
        }
        throw err;
      }
    },

    async delete(key) {
      try {
        await unlink(pathOf(key));
      } catch (err) {
        if (!hasErrorCode(err, 'ENOENT')) {
          throw err;
        }
      }
    },

    localPath(key) {
      return pathOf(key);
    },
  };
}

function checkedLimit({ maxBytes }: PutBlobOptions): number {
  if (maxBytes === undefined) {
    return Number.POSITIVE_INFINITY;
  }
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) {
    throw new RangeError(`maxBytes must be a non-negative integer, got ${String(maxBytes)}`);
  }
  return maxBytes;
}

function tooLarge(limit: number): OffloadError {
  return new OffloadError('payload_too_large', `the payload is larger than ${String(limit)} bytes`);
}

async function writeBytes(file: FileHandle, data: Uint8Array, limit: number): Promise<number> {
  if (data.byteLength > limit) {
    throw tooLarge(limit);
  }
  await writeAll(file, data);
  return data.byteLength;
}

/**
 * Bytes gathered from a stream before they go to the file in one `writev`: a request body arrives
 * in many small chunks, and each write is a round trip through libuv's thread pool.
 */
const BATCH_BYTES = 1024 * 1024;
/** Below the IOV_MAX of every platform (1024 on Linux), so one call takes a whole batch. */
const BATCH_CHUNKS = 512;

/**
 * Copies the stream in batches of at most BATCH_BYTES (never the whole stream in memory),
 * stopping as soon as `limit` is passed.
 */
async function writeStream(file: FileHandle, source: Readable, limit: number): Promise<number> {
  let bytes = 0;
  let batch: Uint8Array[] = [];
  let batchBytes = 0;
  for await (const chunk of source) {
    const data = toBytes(chunk);
    bytes += data.byteLength;
    if (bytes > limit) {
      source.destroy();
      throw tooLarge(limit);
    }
    if (data.byteLength === 0) continue;
    batch.push(data);
    batchBytes += data.byteLength;
    if (batchBytes >= BATCH_BYTES || batch.length >= BATCH_CHUNKS) {
      await writeAllv(file, batch, batchBytes);
      batch = [];
      batchBytes = 0;
    }
  }
  if (batch.length > 0) await writeAllv(file, batch, batchBytes);
  return bytes;
}

/** Writes all of `buffers` (`total` bytes) at the file's current position. */
async function writeAllv(file: FileHandle, buffers: Uint8Array[], total: number): Promise<void> {
  if (buffers.length === 1 && buffers[0] !== undefined) {
    await writeAll(file, buffers[0]);
    return;
  }
  const { bytesWritten } = await file.writev(buffers);
  // A vectored write may stop short (a signal, a full disk on the way to ENOSPC): finish the rest.
  if (bytesWritten < total) await writeAll(file, Buffer.concat(buffers).subarray(bytesWritten));
}

function toBytes(chunk: unknown): Uint8Array {
  if (chunk instanceof Uint8Array) {
    return chunk;
  }
  if (typeof chunk === 'string') {
    return Buffer.from(chunk, 'utf8');
  }
  throw new TypeError('a blob source must yield bytes or strings, not objects');
}

function notFoundOr(err: unknown, key: string): unknown {
  return hasErrorCode(err, 'ENOENT') ? new BlobNotFoundError(key, { cause: err }) : err;
}
