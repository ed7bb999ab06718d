import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { createFsStorage } from './fs-storage';
import { newUploadKey } from './keys';

describe('createFsStorage', () => {
  let parent: string;
  let dataDir: string;

  beforeEach(async () => {
    parent = await mkdtemp(join(tmpdir(), 'offload-storage-'));
    dataDir = join(parent, 'nested', 'data');
  });

  afterEach(async () => {
    await rm(parent, { recursive: true, force: true });
  });

  it('creates the blob, idempotency and record directories when the data directory is missing', async () => {
    await createFsStorage({ dataDir });
    expect((await readdir(dataDir)).sort()).toEqual(['blobs', 'idempotency', 'records']);
  });

  it('resolves local paths to absolute ones when the data directory is relative', async () => {
    const storage = await createFsStorage({ dataDir: relative(process.cwd(), dataDir) });
    const key = newUploadKey();
    expect(storage.blobs.localPath(key)).toBe(join(dataDir, 'blobs', key));
  });

  it('passes the writability check and leaves no probe behind when the directories are writable', async () => {
    const storage = await createFsStorage({ dataDir });

    await expect(storage.checkWritable()).resolves.toBeUndefined();

    expect(await readdir(join(dataDir, 'blobs'))).toEqual([]);
    expect(await readdir(join(dataDir, 'records'))).toEqual([]);
  });

  it('fails the writability check when the records directory cannot be written', async () => {
    const storage = await createFsStorage({ dataDir });
    await rm(join(dataDir, 'records'), { recursive: true });
    // A file where the directory should be: unwritable even for root, unlike a chmod.
    await writeFile(join(dataDir, 'records'), '');

    await expect(storage.checkWritable()).rejects.toThrow();
  });
});
