import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { createTestDatabase, type TestDatabase } from '@offload/test-support';
import { openStorage } from '../src/open-storage';
import type { Storage } from '../src/storage';
import { forkHelper, type HelperProcess } from './fork-helper';

function spawnIncrementer(dataDir: string, id: string, count: number, recordStoreUrl?: string): HelperProcess {
  return forkHelper('increment-attempts.cjs', [dataDir, id, String(count), ...(recordStoreUrl === undefined ? [] : [recordStoreUrl])]);
}

let postgres: TestDatabase;
beforeAll(async () => {
  postgres = await createTestDatabase();
});
afterAll(async () => {
  await postgres.drop();
});

describe.each([
  ['SQLite in DATA_DIR', () => undefined],
  ['PostgreSQL', () => postgres.url],
])('records across processes, %s', (_, url) => {
  let recordStoreUrl: string | undefined;
  let dataDir: string;
  let storage: Storage;
  const children: HelperProcess[] = [];

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'offload-xproc-'));
    recordStoreUrl = url();
    storage = await openStorage({ dataDir, recordStoreUrl });
  });

  afterEach(async () => {
    for (const child of children.splice(0)) {
      if (child.process.exitCode === null && child.process.signalCode === null) {
        child.process.kill();
      }
    }
    await storage.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('never loses an increment when two processes and this one update the same record at once', async () => {
    const now = new Date().toISOString();
    const id = randomUUID();
    await storage.records.create({ id, task_type: 'analysis', status: 'processing', attempts: 0, created_at: now, updated_at: now });

    children.push(spawnIncrementer(dataDir, id, 25, recordStoreUrl), spawnIncrementer(dataDir, id, 25, recordStoreUrl));
    await Promise.all(children.map((child) => child.ready));
    for (const child of children) {
      child.process.send('go');
    }
    const local = Array.from({ length: 25 }, () =>
      storage.records.update(id, (r) => ({ ...r, attempts: r.attempts + 1 })),
    );
    const outcomes = await Promise.all(local);
    await Promise.all(children.map((child) => child.exited));

    expect(outcomes.every((o) => o.applied)).toBe(true);
    expect((await storage.records.get(id))?.attempts).toBe(75);
    // SQLite lives in DATA_DIR (with its WAL); PostgreSQL leaves only the blobs there.
    if (recordStoreUrl === undefined) expect(await readdir(dataDir)).toEqual(expect.arrayContaining(['blobs', 'offload.db']));
    else expect(await readdir(dataDir)).toEqual(['blobs']);
  });
});
