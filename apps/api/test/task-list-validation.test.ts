import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { createApiHarness, type ApiHarness } from './harness';
import { expectProblem } from './fixtures';

describe('GET /v1/tasks with bad parameters', () => {
  let harness: ApiHarness;
  let cursor: string;

  beforeAll(async () => {
    harness = await createApiHarness();
    for (let i = 0; i < 3; i++) await request(harness.app).post('/v1/tasks').send({ task_type: 'analysis', content: { rows: [{ a: i }] } }).expect(202);
    cursor = ((await request(harness.app).get('/v1/tasks?limit=1').expect(200)).body as { next_cursor: string }).next_cursor;
  });

  afterAll(async () => {
    await harness.close();
  });

  it.each([
    ['an unknown status', '?status=done', 'query.status'],
    ['an unknown status in a list', '?status=queued,done', 'query.status'],
    ['an empty status', '?status=', 'query.status'],
    ['an empty value in a list', '?status=queued,,failed', 'query.status'],
    ['an unknown task type', '?task_type=resize', 'query.task_type'],
    ['a date without an offset', '?created_after=2026-01-01T00:00:00', 'query.created_after'],
    ['a date that is no date', '?created_after=yesterday', 'query.created_after'],
    ['a day the month does not have', '?created_before=2026-02-30T00:00:00Z', 'query.created_before'],
    ['created_after given twice', '?created_after=2026-01-01T00:00:00Z&created_after=2026-01-02T00:00:00Z', 'query.created_after'],
    ['a range that ends before it starts', '?created_after=2026-01-02T00:00:00Z&created_before=2026-01-01T00:00:00Z', 'query.created_before'],
    ['limit 0', '?limit=0', 'query.limit'],
    ['limit 201', '?limit=201', 'query.limit'],
    ['a negative limit', '?limit=-1', 'query.limit'],
    ['a fractional limit', '?limit=2.5', 'query.limit'],
    ['a limit that is no number', '?limit=ten', 'query.limit'],
    ['an empty cursor', '?cursor=', 'query.cursor'],
    ['an unknown parameter', '?stauts=failed', 'query.stauts'],
    ['a bracketed parameter', '?status[]=failed', 'query.status[]'],
  ])('answers 422 at its path for %s', async (_what, query, path) => {
    const res = await request(harness.app).get(`/v1/tasks${query}`);

    const body = expectProblem(res, 422, 'validation_failed');
    expect(body.errors?.map((e) => e.path)).toEqual([path]);
    expect(body.errors?.[0]?.message).toEqual(expect.any(String));
  });

  it('names every bad parameter of one request', async () => {
    const body = expectProblem(await request(harness.app).get('/v1/tasks?status=nope&limit=0&color=red'), 422, 'validation_failed');

    expect(body.errors?.map((e) => e.path).sort()).toEqual(['query.color', 'query.limit', 'query.status']);
  });

  it.each([
    ['garbage', 'not-a-cursor!'],
    ['base64 of something else', Buffer.from('{"hello":1}').toString('base64url')],
    ['a truncated cursor', 'eyJ2IjoxLCJjIjox'],
    ['a very long value', 'A'.repeat(5_000)],
  ])('answers 422 invalid_cursor for %s', async (_what, bad) => {
    const body = expectProblem(await request(harness.app).get(`/v1/tasks?cursor=${encodeURIComponent(bad)}`), 422, 'validation_failed');

    expect(body.errors).toEqual([{ path: 'query.cursor', code: 'invalid_cursor', message: expect.any(String) }]);
  });

  it('answers 422 invalid_cursor for a cursor altered by one character', async () => {
    // A character near the end: it encodes the hash that binds the cursor to its query.
    const at = cursor.length - 8;
    const altered = `${cursor.slice(0, at)}${cursor[at] === 'A' ? 'B' : 'A'}${cursor.slice(at + 1)}`;

    const body = expectProblem(await request(harness.app).get(`/v1/tasks?limit=1&cursor=${altered}`), 422, 'validation_failed');

    expect(body.errors?.[0]).toEqual(expect.objectContaining({ path: 'query.cursor', code: 'invalid_cursor' }));
  });

  it('answers 422 invalid_cursor for a cursor of a query with other filters', async () => {
    const body = expectProblem(await request(harness.app).get(`/v1/tasks?limit=1&status=failed&cursor=${cursor}`), 422, 'validation_failed');

    expect(body.errors).toEqual([{ path: 'query.cursor', code: 'invalid_cursor', message: expect.stringContaining('other filters') }]);
  });

  it('takes the cursor it issued with the query it was issued for', async () => {
    const res = await request(harness.app).get(`/v1/tasks?limit=1&cursor=${cursor}`).expect(200);

    expect((res.body as { tasks: unknown[] }).tasks).toHaveLength(1);
  });
});
