import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { describeRecordStore, newRecord } from '../test/record-store-contract';
import { createFsRecordStore } from './fs-record-store';
import type { RecordStore } from './storage';

async function openFsRecordStore(): Promise<{ root: string; dir: string; records: RecordStore }> {
  const root = await mkdtemp(join(tmpdir(), 'offload-records-'));
  const dir = join(root, 'records');
  await mkdir(dir);
  return { root, dir, records: createFsRecordStore(dir) };
}

describeRecordStore('createFsRecordStore', async () => {
  const { root, records } = await openFsRecordStore();
  return { records, dispose: () => rm(root, { recursive: true, force: true }) };
});

describe('createFsRecordStore files', () => {
  let root: string;
  let dir: string;
  let records: RecordStore;

  beforeEach(async () => {
    ({ root, dir, records } = await openFsRecordStore());
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('stores a record as <id>.json', async () => {
    const record = newRecord();

    await records.create(record);

    expect(JSON.parse(await readFile(join(dir, `${record.id}.json`), 'utf8'))).toEqual(record);
  });

  it('leaves one file and no temp or lock files behind after racing creates and updates', async () => {
    const id = randomUUID();
    await Promise.all(Array.from({ length: 20 }, (_, attempts) => records.create(newRecord({ id, attempts, status: 'processing' }))));
    await Promise.all(Array.from({ length: 20 }, () => records.update(id, (r) => ({ ...r, attempts: r.attempts + 1 }))));
    await expect(records.update(id, () => {
      throw new Error('update failed');
    })).rejects.toThrow('update failed');

    expect(await readdir(dir)).toEqual([`${id}.json`]);
  });

  it('touches nothing outside its directory when given a path-like id', async () => {
    await expect(records.get('../etc/passwd')).rejects.toThrow(RangeError);
    await expect(records.create({ ...newRecord(), id: '../x' })).rejects.toThrow();
    await expect(records.create({ ...newRecord(), attempts: -1 })).rejects.toThrow();

    expect(await readdir(root)).toEqual(['records']);
    expect(await readdir(dir)).toEqual([]);
  });
});
