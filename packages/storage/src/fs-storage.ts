import { randomUUID } from 'node:crypto';
import { mkdir, unlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createFsBlobStore } from './fs-blob-store';
import { createFsIdempotencyStore } from './fs-idempotency-store';
import { createFsRecordStore } from './fs-record-store';
import { openRedisRecordStore } from './redis-record-store';
import type { ExternalRecordStore, Storage } from './storage';

export interface FsStorageOptions {
  /**
   * The root directory (`DATA_DIR`), created when missing. Blobs live in `blobs/`, records in
   * `records/`, idempotency keys in `idempotency/`. API and workers may share it, on one machine or over a network file system.
   */
  dataDir: string;
  /** Records kept elsewhere instead of in `records/`; closed with the storage. */
  records?: ExternalRecordStore;
}

export interface OpenStorageOptions {
  /** `DATA_DIR`: blobs and idempotency keys, and records unless `recordStoreUrl` is set. */
  dataDir: string;
  /** `RECORD_STORE_URL`: a `redis://` URL to keep task records in Redis. */
  recordStoreUrl?: string | undefined;
  /** Prefix of the record keys in Redis. @defaultValue `offload:record:` */
  recordKeyPrefix?: string;
  /** `RECORD_TTL_S`: how long Redis keeps a finished record; 0 for ever. */
  finishedRecordTtlSeconds?: number;
  /** How long opening waits for a record store server. */
  connectTimeoutMs?: number;
  /** A record store server's connection errors after start-up. */
  onError?: (err: Error) => void;
}

/** The storage the configuration asks for: everything under DATA_DIR, or records in Redis. */
export async function openStorage(options: OpenStorageOptions): Promise<Storage> {
  if (options.recordStoreUrl === undefined) return createFsStorage({ dataDir: options.dataDir });
  const records = await openRedisRecordStore({
    url: options.recordStoreUrl,
    ...(options.recordKeyPrefix === undefined ? {} : { keyPrefix: options.recordKeyPrefix }),
    ...(options.finishedRecordTtlSeconds === undefined ? {} : { finishedTtlSeconds: options.finishedRecordTtlSeconds }),
    ...(options.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: options.connectTimeoutMs }),
    ...(options.onError === undefined ? {} : { onError: options.onError }),
  });
  try {
    return await createFsStorage({ dataDir: options.dataDir, records });
  } catch (err) {
    await records.close();
    throw err;
  }
}

/**
 * The default storage: the file system under `dataDir`, with atomic writes and cross-process record
 * locks; records elsewhere when `records` is given.
 */
export async function createFsStorage(options: FsStorageOptions): Promise<Storage> {
  const root = resolve(options.dataDir);
  const blobsDir = join(root, 'blobs');
  const recordsDir = join(root, 'records');
  const idempotencyDir = join(root, 'idempotency');
  await mkdir(blobsDir, { recursive: true });
  await mkdir(idempotencyDir, { recursive: true });
  const external = options.records;
  if (external === undefined) await mkdir(recordsDir, { recursive: true });

  return {
    blobs: createFsBlobStore(blobsDir),
    records: external ?? createFsRecordStore(recordsDir),
    idempotency: createFsIdempotencyStore(idempotencyDir),
    async checkWritable() {
      await Promise.all([probeWritable(blobsDir), external === undefined ? probeWritable(recordsDir) : external.checkWritable()]);
    },
    async close() {
      await external?.close();
    },
  };
}

async function probeWritable(dir: string): Promise<void> {
  const probe = join(dir, `.probe-${randomUUID()}`);
  await writeFile(probe, 'ok', { flag: 'wx' });
  await unlink(probe);
}
