import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import { openStorage } from '../src/open-storage';
import { forkHelper, type HelperProcess } from './fork-helper';

// An API and its workers started together on a new DATA_DIR all create and migrate the SQLite file
// at the same moment. Kysely runs SQLite's DDL outside a transaction, and before the write lock
// was held over the migration, one process in ten failed its start with "table tasks already exists".
describe('processes opening a new SQLite record database at once', () => {
  const dirs: string[] = [];
  let children: HelperProcess[] = [];
  afterEach(async () => {
    for (const child of children) if (child.process.exitCode === null) child.process.kill();
    children = [];
    await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it('all start, in round after round, and leave one migrated database', async () => {
    for (let round = 0; round < 10; round++) {
      const dataDir = await mkdtemp(join(tmpdir(), 'offload-first-open-'));
      dirs.push(dataDir);
      children = Array.from({ length: 4 }, () => forkHelper('open-database.cjs', [dataDir]));
      await Promise.all(children.map((child) => child.ready));
      for (const child of children) child.process.send('go');
      await Promise.all(children.map((child) => child.exited));

      const storage = await openStorage({ dataDir });
      try {
        expect([await storage.queries.counts(), await storage.workers.list()]).toEqual([[], []]);
      } finally {
        await storage.close();
      }
    }
  }, 60_000);

  it('waits out another process that holds the new file (WAL switch fails at once, then busy_timeout), then starts', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'offload-first-open-'));
    dirs.push(dataDir);
    const holder = forkHelper('hold-write-lock.cjs', [dataDir, '7000']);
    children = [holder];
    await holder.ready;

    const storage = await openStorage({ dataDir });
    try {
      await holder.exited;
      expect(await storage.queries.counts()).toEqual([]);
    } finally {
      await storage.close();
    }
  }, 60_000);
});
