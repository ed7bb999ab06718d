import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { TaskRecord, TaskStatus, TaskType } from '@offload/contracts';
import { createTestDatabase, tempDataDir, type TestDatabase } from '@offload/test-support';
import type { RecordStore } from '../storage';
import { createDbRecordStore } from './db-record-store';
import { openRecordDatabase, type RecordDatabase } from './open-database';
import { InvalidCursorError, createTaskQueries, type TaskQueries } from './task-queries';

const T0 = Date.parse('2026-01-01T00:00:00.000Z');
const STATUSES: TaskStatus[] = ['queued', 'processing', 'succeeded', 'failed'];
const TYPES: TaskType[] = ['watermark', 'thumbnail', 'analysis'];

function record(i: number): TaskRecord {
  const at = new Date(T0 + Math.floor(i / 2) * 1000).toISOString(); // two tasks per second: ties on created_at
  return { id: randomUUID(), task_type: TYPES[i % 3] ?? 'watermark', status: STATUSES[i % 4] ?? 'queued', attempts: 0, created_at: at, updated_at: at };
}

/** Newest first, ties by id descending: the order every listing promises. */
const newestFirst = (a: TaskRecord, b: TaskRecord) => Date.parse(b.created_at) - Date.parse(a.created_at) || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

describe.each([
  ['SQLite', () => Promise.resolve(undefined)],
  ['PostgreSQL', async () => (await createTestDatabase()) as TestDatabase | undefined],
])('task queries on %s', (_name, makeServer) => {
  let server: TestDatabase | undefined;
  let dir: { path: string; remove: () => Promise<void> };
  let database: RecordDatabase;
  let records: RecordStore;
  let queries: TaskQueries;
  const all: TaskRecord[] = [];

  beforeAll(async () => {
    server = await makeServer();
    dir = await tempDataDir('offload-queries');
    database = await openRecordDatabase({ dataDir: dir.path, ...(server === undefined ? {} : { url: server.url }) });
    records = createDbRecordStore(database);
    queries = createTaskQueries(database);
    for (let i = 0; i < 60; i++) all.push(record(i));
    await Promise.all(all.map((r) => records.create(r)));
  });

  afterAll(async () => {
    await database.close();
    await server?.drop();
    await dir.remove();
  });

  /** Every page of a query, following cursors. */
  async function everyPage(request: Parameters<TaskQueries['list']>[0]): Promise<TaskRecord[][]> {
    const pages: TaskRecord[][] = [];
    let cursor: string | undefined;
    do {
      const page = await queries.list({ ...request, ...(cursor === undefined ? {} : { cursor }) });
      pages.push(page.tasks);
      cursor = page.nextCursor;
    } while (cursor !== undefined);
    return pages;
  }

  it('lists every task newest first, across pages, each once', async () => {
    const pages = await everyPage({ limit: 7 });
    expect(pages.map((p) => p.length)).toEqual([7, 7, 7, 7, 7, 7, 7, 7, 4]);
    expect(pages.flat().map((r) => r.id)).toEqual([...all].sort(newestFirst).map((r) => r.id));
  });

  it("keeps a record's tenant: a listing and the counts of one tenant see its tasks alone", async () => {
    const at = new Date(T0 - 60_000).toISOString();
    const theirs: TaskRecord = { id: randomUUID(), task_type: 'analysis', tenant: 'acme', status: 'queued', attempts: 0, created_at: at, updated_at: at };
    await records.create(theirs);
    try {
      expect((await queries.list({ limit: 10, tenant: 'acme' })).tasks).toEqual([theirs]);
      expect(await queries.counts({ tenant: 'acme' })).toEqual([{ task_type: 'analysis', status: 'queued', count: 1 }]);
      expect((await everyPage({ limit: 50, tenant: 'default' })).flat()).toHaveLength(all.length);
      expect([await queries.activeCount('acme', 10), await queries.activeCount('nobody', 10)]).toEqual([1, 0]);
      // Counting stops at the cap: the default tenant has 30 unfinished tasks here.
      const unfinished = all.filter((r) => r.status === 'queued' || r.status === 'processing').length;
      expect([await queries.activeCount('default', 1_000), await queries.activeCount('default', 7)]).toEqual([unfinished, 7]);
    } finally {
      await database.db.deleteFrom('tasks').where('id', '=', theirs.id).execute();
    }
  });

  it('combines filters: status, task type and a time range', async () => {
    const filter = { statuses: ['failed', 'queued'] as TaskStatus[], taskTypes: ['thumbnail'] as TaskType[], createdAfter: new Date(T0 + 5_000), createdBefore: new Date(T0 + 25_000) };
    const expected = all
      .filter((r) => filter.statuses.includes(r.status) && filter.taskTypes.includes(r.task_type))
      .filter((r) => Date.parse(r.created_at) >= T0 + 5_000 && Date.parse(r.created_at) < T0 + 25_000)
      .sort(newestFirst);
    expect(expected.length).toBeGreaterThan(2);
    expect((await everyPage({ ...filter, limit: 2 })).flat().map((r) => r.id)).toEqual(expected.map((r) => r.id));
  });

  it('keeps pages stable while tasks are added', async () => {
    const first = await queries.list({ limit: 10 });
    const newer = { ...record(1_000), created_at: new Date(T0 + 10_000_000).toISOString(), updated_at: new Date(T0 + 10_000_000).toISOString() };
    await records.create(newer);
    const second = await queries.list({ limit: 10, ...(first.nextCursor === undefined ? {} : { cursor: first.nextCursor }) });
    const expected = [...all].sort(newestFirst).slice(10, 20).map((r) => r.id);
    expect(second.tasks.map((r) => r.id)).toEqual(expected);
    all.push(newer);
  });

  it.each([
    ['garbage', 'not a cursor!'],
    ['base64 of something else', Buffer.from('{"hello":1}').toString('base64url')],
    ['a truncated cursor', 'eyJ2IjoxLCJjIjox'],
    ['a very long value', 'A'.repeat(10_000)],
  ])('refuses %s as a cursor', async (_what, cursor) => {
    await expect(queries.list({ limit: 5, cursor })).rejects.toThrow(InvalidCursorError);
  });

  it('refuses a cursor from a query with other filters', async () => {
    const page = await queries.list({ limit: 2, statuses: ['failed'] });
    await expect(queries.list({ limit: 2, statuses: ['queued'], ...(page.nextCursor === undefined ? {} : { cursor: page.nextCursor }) })).rejects.toThrow(
      'it belongs to a query with other filters',
    );
  });

  it('counts tasks per type and status', async () => {
    const counts = await queries.counts();
    for (const type of TYPES) {
      for (const status of STATUSES) {
        const expected = all.filter((r) => r.task_type === type && r.status === status).length;
        expect([type, status, counts.find((c) => c.task_type === type && c.status === status)?.count ?? 0]).toEqual([type, status, expected]);
      }
    }
  });

  it("reads a record with its row version from the database, seeing another store's writes at once", async () => {
    const mine = { ...record(2_000), status: 'queued' as const };
    await records.create(mine);
    expect(await queries.recordVersion(mine.id)).toEqual({ record: mine, version: 1 });
    // Another process's writes: a second store on the same database, with a cache of its own.
    const other = createDbRecordStore(database);
    const started = await other.update(mine.id, (r) => ({ ...r, status: 'processing', attempts: 1 }));
    expect(started.applied).toBe(true);
    expect(await queries.recordVersion(mine.id)).toEqual({ record: expect.objectContaining({ status: 'processing', attempts: 1 }), version: 2 });
    await other.update(mine.id, (r) => ({ ...r, progress: 0.5 }));
    expect(await queries.recordVersion(mine.id)).toEqual({ record: expect.objectContaining({ progress: 0.5 }), version: 3 });
    expect(await queries.recordVersion(randomUUID())).toBeUndefined();
    await database.db.deleteFrom('tasks').where('id', '=', mine.id).execute();
  });
});
