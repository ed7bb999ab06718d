import { randomUUID } from 'node:crypto';
import { mkdir, unlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createFsBlobStore } from './fs-blob-store';
import { createFsIdempotencyStore } from './fs-idempotency-store';
import { createFsRecordStore } from './fs-record-store';
import type { Storage } from './storage';

export interface FsStorageOptions {
  /**
   * The root directory (`DATA_DIR`), created when missing. Blobs live in `blobs/`, records in
   * `records/`, idempotency keys in `idempotency/`. API and workers may share it, on one machine or over a network file system.
   */
  dataDir: string;
}

/** The default storage: the file system under `dataDir`, with atomic writes and cross-process record locks. */
export async function createFsStorage(options: FsStorageOptions): Promise<Storage> {
  const root = resolve(options.dataDir);
  const blobsDir = join(root, 'blobs');
  const recordsDir = join(root, 'records');
  const idempotencyDir = join(root, 'idempotency');
  await mkdir(blobsDir, { recursive: true });
  await mkdir(recordsDir, { recursive: true });
  await mkdir(idempotencyDir, { recursive: true });

  return {
    blobs: createFsBlobStore(blobsDir),
    records: createFsRecordStore(recordsDir),
    idempotency: createFsIdempotencyStore(idempotencyDir),
    async checkWritable() {
      await Promise.all([probeWritable(blobsDir), probeWritable(recordsDir)]);
    },
  };
}

async function probeWritable(dir: string): Promise<void> {
  const probe = join(dir, `.probe-${randomUUID()}`);
  await writeFile(probe, 'ok', { flag: 'wx' });
  await unlink(probe);
}
