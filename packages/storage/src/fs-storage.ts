import { randomUUID } from 'node:crypto';
import { mkdir, unlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createFsBlobStore } from './fs-blob-store';
import { createFsIdempotencyStore } from './fs-idempotency-store';
import { createFsRecordStore } from './fs-record-store';
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
