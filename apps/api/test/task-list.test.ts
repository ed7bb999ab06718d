import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import type { TaskRecord, TaskStatus, TaskType } from '@offload/contracts';
import { createTestDatabase, type TestDatabase } from '@offload/test-support';
import { createApiHarness, type ApiHarness } from './harness';

const T0 = Date.parse('2026-01-01T00:00:00.000Z');
const STATUSES: TaskStatus[] = ['queued', 'processing', 'succeeded', 'failed'];
const TYPES: TaskType[] = ['watermark', 'thumbnail', 'analysis'];

/** Task i: three per second, so pages meet ties on created_at. */
function record(i: number): TaskRecord {
  const at = new Date(T0 + Math.floor(i / 3) * 1000).toISOString();
  return { id: randomUUID(), task_type: TYPES[i % 3] ?? 'watermark', status: STATUSES[i % 4] ?? 'queued', attempts: 0, created_at: at, updated_at: at };
}

/** Newest first, ties by id descending: the order the listing promises. */
const newestFirst = (a: TaskRecord, b: TaskRecord) => Date.parse(b.created_at) - Date.parse(a.created_at) || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

interface ListBody {
  tasks: TaskRecord[];
  next_cursor?: string;
  links?: { next: string };
}

describe.each([
  ['SQLite in DATA_DIR', () => Promise.resolve(undefined)],
  ['PostgreSQL', async () => (await createTestDatabase()) as TestDatabase | undefined],
])('GET /v1/tasks, records in %s', (_name, makeDatabase) => {
  let database: TestDatabase | undefined;
  let harness: ApiHarness;
  const all: TaskRecord[] = [];

  beforeAll(async () => {
    database = await makeDatabase();
    harness = await createApiHarness(database === undefined ? {} : { recordStoreUrl: database.url });
    for (let i = 0; i < 55; i++) all.push(record(i));
    await Promise.all(all.map((r) => harness.storage.records.create(r)));
  });

  afterAll(async () => {
    await harness.close();
    await database?.drop();
  });

  const list = async (query: string): Promise<ListBody> => (await request(harness.app).get(`/v1/tasks${query}`).expect(200).expect('content-type', /json/)).body as ListBody;

  /** Every page, each fetched through the previous page's `links.next`. */
  async function everyPage(query: string): Promise<ListBody[]> {
    const pages = [await list(query)];
    for (let next = pages[0]?.links?.next; next !== undefined; next = pages.at(-1)?.links?.next) {
      pages.push((await request(harness.app).get(next).expect(200)).body as ListBody);
    }
    return pages;
  }

  const ids = (records: readonly TaskRecord[]) => records.map((r) => r.id);

  it('lists 50 tasks newest first by default, each record whole, and says where the rest are', async () => {
    const first = await list('');
    expect(first.tasks).toEqual([...all].sort(newestFirst).slice(0, 50));
    expect(first.next_cursor).toEqual(expect.any(String));

    const last = await list(`?cursor=${first.next_cursor ?? ''}`);
    expect(ids(last.tasks)).toEqual(ids([...all].sort(newestFirst).slice(50)));
    expect(last.next_cursor).toBeUndefined();
    expect(last.links).toBeUndefined();
  });

  it('walks every page once, in order, across ties on created_at', async () => {
    const pages = await everyPage('?limit=4');

    expect(pages.map((p) => p.tasks.length)).toEqual([...Array<number>(13).fill(4), 3]);
    expect(ids(pages.flatMap((p) => p.tasks))).toEqual(ids([...all].sort(newestFirst)));
    for (const page of pages.slice(0, -1)) {
      expect(page.links?.next).toBe(`/v1/tasks?limit=4&cursor=${page.next_cursor ?? ''}`);
    }
    expect(pages.at(-1)?.next_cursor).toBeUndefined();
  });

  it('sends the next page in a Link header too', async () => {
    const res = await request(harness.app).get('/v1/tasks?limit=10').expect(200);
    expect(res.headers.link).toBe(`<${(res.body as ListBody).links?.next ?? ''}>; rel="next"`);
  });

  it.each([
    ['status', '?status=failed', (r: TaskRecord) => r.status === 'failed'],
    ['a list of statuses', '?status=failed,queued', (r: TaskRecord) => ['failed', 'queued'].includes(r.status)],
    ['a repeated status', '?status=failed&status=queued', (r: TaskRecord) => ['failed', 'queued'].includes(r.status)],
    ['task type', '?task_type=analysis', (r: TaskRecord) => r.task_type === 'analysis'],
    ['created_after (inclusive)', '?created_after=2026-01-01T00:00:10Z', (r: TaskRecord) => Date.parse(r.created_at) >= T0 + 10_000],
    ['created_before (exclusive), with an offset', '?created_before=2026-01-01T02:00:05%2B02:00', (r: TaskRecord) => Date.parse(r.created_at) < T0 + 5_000],
  ])('filters by %s', async (_what, query, keep) => {
    const pages = await everyPage(`${query}&limit=3`);
    const expected = all.filter(keep).sort(newestFirst);
    expect(expected.length).toBeGreaterThan(3);
    expect(ids(pages.flatMap((p) => p.tasks))).toEqual(ids(expected));
  });

  it('combines status, task type and a time range', async () => {
    const query = '?status=queued,failed&task_type=watermark,analysis&created_after=2026-01-01T00:00:02Z&created_before=2026-01-01T00:00:13Z&limit=2';
    const expected = all
      .filter((r) => ['queued', 'failed'].includes(r.status) && ['watermark', 'analysis'].includes(r.task_type))
      .filter((r) => Date.parse(r.created_at) >= T0 + 2_000 && Date.parse(r.created_at) < T0 + 13_000)
      .sort(newestFirst);
    expect(expected.length).toBeGreaterThan(2);

    const pages = await everyPage(query);

    expect(ids(pages.flatMap((p) => p.tasks))).toEqual(ids(expected));
    expect(pages[0]?.links?.next).toMatch(
      /^\/v1\/tasks\?status=queued,failed&task_type=watermark,analysis&created_after=2026-01-01T00%3A00%3A02\.000Z&created_before=2026-01-01T00%3A00%3A13\.000Z&limit=2&cursor=/,
    );
  });

  it('keeps the pages it has not served yet stable while tasks are added', async () => {
    const first = await list('?task_type=thumbnail&limit=5');
    const added = await request(harness.app)
      .post('/v1/tasks')
      .send({ task_type: 'analysis', content: { rows: [{ a: 1 }] } })
      .expect(202);
    const thumbnailNow: TaskRecord = { ...record(1), created_at: new Date().toISOString(), updated_at: new Date().toISOString() };
    await harness.storage.records.create(thumbnailNow);

    const rest = await everyPage(`?task_type=thumbnail&limit=5&cursor=${first.next_cursor ?? ''}`);

    const thumbnails = all.filter((r) => r.task_type === 'thumbnail').sort(newestFirst);
    expect(ids([...first.tasks, ...rest.flatMap((p) => p.tasks)])).toEqual(ids(thumbnails));
    // A fresh listing starts with what was added.
    expect(ids((await list('?limit=2')).tasks).sort()).toEqual([thumbnailNow.id, (added.body as { id: string }).id].sort());
  });
});
