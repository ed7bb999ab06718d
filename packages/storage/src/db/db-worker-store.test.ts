import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestDatabase, tempDataDir, type TestDatabase } from '@offload/test-support';
import type { WorkerHeartbeat, WorkerStore } from '../storage';
import { createDbWorkerStore } from './db-worker-store';
import { openRecordDatabase, type RecordDatabase } from './open-database';

function heartbeat(overrides: Partial<WorkerHeartbeat> = {}): WorkerHeartbeat {
  return {
    id: randomUUID(),
    host: 'host-a',
    pid: 4242,
    version: '1.2.3',
    taskTypes: ['watermark', 'analysis'],
    concurrency: 2,
    runningTaskIds: [],
    startedMs: 1_000,
    beatMs: 2_000,
    beatIntervalMs: 5_000,
    ...overrides,
  };
}

describe.each([
  ['SQLite', () => Promise.resolve(undefined)],
  ['PostgreSQL', async () => (await createTestDatabase()) as TestDatabase | undefined],
])('worker store on %s', (_name, makeServer) => {
  let server: TestDatabase | undefined;
  let dir: { path: string; remove: () => Promise<void> };
  let database: RecordDatabase;
  let workers: WorkerStore;

  beforeAll(async () => {
    server = await makeServer();
    dir = await tempDataDir('offload-workers');
    database = await openRecordDatabase({ dataDir: dir.path, ...(server === undefined ? {} : { url: server.url }) });
    workers = createDbWorkerStore(database);
  });

  afterAll(async () => {
    await database.close();
    await server?.drop();
    await dir.remove();
  });

  it('reads a first beat back, and each later beat replaces it', async () => {
    const first = heartbeat();
    await workers.beat(first);
    const later = { ...first, runningTaskIds: [randomUUID(), randomUUID()], beatMs: 7_000 };
    await workers.beat(later);

    expect((await workers.list()).filter((w) => w.id === first.id)).toEqual([later]);
  });

  it('lists the latest beat first and leaves out rows silent since before beatSinceMs', async () => {
    const old = heartbeat({ beatMs: 10_000 });
    const recent = heartbeat({ beatMs: 30_000 });
    const middle = heartbeat({ beatMs: 20_000 });
    for (const w of [old, recent, middle]) await workers.beat(w);

    const ids = (await workers.list({ beatSinceMs: 15_000 })).map((w) => w.id);

    expect(ids).toEqual([recent.id, middle.id]);
  });

  it('removes a row, and removing it again is no error', async () => {
    const gone = heartbeat();
    await workers.beat(gone);

    await workers.remove(gone.id);
    await workers.remove(gone.id);

    expect((await workers.list()).map((w) => w.id)).not.toContain(gone.id);
  });

  it('sweeps the rows whose last beat is before the cut-off and counts them', async () => {
    const stale = heartbeat({ beatMs: 1 });
    const fresh = heartbeat({ beatMs: 1_000_000 });
    await workers.beat(stale);
    await workers.beat(fresh);

    const removed = await workers.sweep(100);

    const ids = (await workers.list()).map((w) => w.id);
    expect(removed).toBe(1);
    expect(ids).toContain(fresh.id);
    expect(ids).not.toContain(stale.id);
  });
});
