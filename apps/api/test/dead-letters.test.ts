import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { rawConnection } from '@offload/test-support';
import { deadLetterIds, deadLetterPoison, deadLetterTask, sorted } from './dead-letter-fixtures';
import { errorPaths, expectProblem, messageBody, openQueueReader, type QueueReader } from './fixtures';
import { createApiHarness, type ApiHarness } from './harness';

const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });

describe('dead-letter routes', () => {
  let h: ApiHarness;
  let admin: Record<string, string>;
  let queued: QueueReader;

  const list = (query = '') => request(h.app).get(`/v1/dead-letters${query}`).set(admin);
  const redrive = (body: unknown) => request(h.app).post('/v1/dead-letters/redrive').set(admin).send(body as object);
  const purge = (body: unknown) => request(h.app).post('/v1/dead-letters/purge').set(admin).send(body as object);

  beforeAll(async () => {
    h = await createApiHarness({ auth: 'keys' });
    admin = bearer(h.adminKey);
    queued = await openQueueReader();
  });

  afterAll(async () => {
    await queued.close();
    await h.close();
  });

  // Each test starts from an empty dead-letter queue and empty work queues.
  beforeEach(async () => {
    const connection = await rawConnection();
    try {
      const channel = await connection.createChannel();
      for (const queue of [h.topology.deadLetterQueue, h.topology.workQueues.watermark, h.topology.workQueues.thumbnail]) await channel.purgeQueue(queue);
      await channel.close();
    } finally {
      await connection.close();
    }
  });

  it('lists every dead letter as `npm run dlq -- list --json` prints it, and leaves the queue as it was', async () => {
    const a = await deadLetterTask(h, { task_type: 'watermark', reason: 'corrupt_image', error: 'the image is truncated' });
    const b = await deadLetterTask(h, { task_type: 'thumbnail', reason: 'attempts_exhausted' });
    const poison = await deadLetterPoison(h);
    const before = await deadLetterIds(h);

    const res = await list();
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toEqual({ dead_letters: expect.any(Array), total: 3, truncated: false });
    const rows = (res.body as { dead_letters: { id: string }[] }).dead_letters;
    expect(rows.map((r) => r.id)).toEqual([a, b, poison]);
    expect(rows[0]).toEqual({
      id: a,
      task_type: 'watermark',
      reason: 'corrupt_image',
      error: 'the image is truncated',
      attempts: 3,
      dead_lettered_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      source_queue: h.topology.workQueues.watermark,
      decodable: true,
    });
    expect(rows[2]).toMatchObject({ id: poison, reason: 'invalid_message', decodable: false });
    expect(await deadLetterIds(h)).toEqual(before);
  });

  it('filters by task_type and reason, and limits the rows but not the total', async () => {
    const a = await deadLetterTask(h, { task_type: 'watermark', reason: 'corrupt_image' });
    const b = await deadLetterTask(h, { task_type: 'thumbnail', reason: 'corrupt_image' });
    const c = await deadLetterTask(h, { task_type: 'watermark', reason: 'attempts_exhausted' });
    const ids = async (query: string) => {
      const res = await list(query);
      expect(res.status).toBe(200);
      const body = res.body as { dead_letters: { id: string }[]; total: number; truncated: boolean };
      return { ids: body.dead_letters.map((r) => r.id), total: body.total, truncated: body.truncated };
    };
    expect(await ids('?task_type=watermark')).toEqual({ ids: [a, c], total: 2, truncated: false });
    expect(await ids('?reason=corrupt_image')).toEqual({ ids: [a, b], total: 2, truncated: false });
    expect(await ids('?task_type=watermark&reason=attempts_exhausted')).toEqual({ ids: [c], total: 1, truncated: false });
    expect(await ids('?task_type=analysis')).toEqual({ ids: [], total: 0, truncated: false });
    expect(await ids('?limit=1')).toEqual({ ids: [a], total: 3, truncated: false });
    expect(sorted(await deadLetterIds(h))).toEqual(sorted([a, b, c]));
  });

  it('re-drives one task by id: record failed → queued, the message back on its work queue, the dead letter gone', async () => {
    const a = await deadLetterTask(h, { reason: 'corrupt_image' });
    const b = await deadLetterTask(h);
    expect(await h.storage.records.get(a)).toMatchObject({ status: 'failed', error: { code: 'corrupt_image' } });

    const res = await redrive({ ids: [a.toUpperCase()] });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      redriven: 1,
      completed: true,
      truncated: false,
      counts: { redriven: 1, already_succeeded: 0, duplicate: 0, active: 0, unsigned: 0, undecodable: 0, failed: 0, not_found: 0 },
      outcomes: [{ kind: 'redriven', id: a, task_type: 'watermark', entry_kept: false }],
    });
    const record = await h.storage.records.get(a);
    expect(record).toMatchObject({ status: 'queued', attempts: 0 });
    expect(record?.error).toBeUndefined();
    expect(record?.finished_at).toBeUndefined();
    const message = await queued.take(h.topology.workQueues.watermark, a);
    expect(messageBody(message)).toMatchObject({ id: a, task_type: 'watermark', retry_count: 0 });
    expect(await deadLetterIds(h)).toEqual([b]);
    expect((await h.storage.records.get(b))?.status).toBe('failed');
  });

  it('re-drives the dead letters a filter selects and leaves the others', async () => {
    const exhausted = [await deadLetterTask(h, { reason: 'attempts_exhausted' }), await deadLetterTask(h, { task_type: 'thumbnail', reason: 'attempts_exhausted' })];
    const corrupt = await deadLetterTask(h, { reason: 'corrupt_image' });
    const res = await redrive({ reason: 'attempts_exhausted' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ redriven: 2, completed: true, truncated: false });
    expect((res.body as { outcomes: unknown[] }).outcomes).toEqual([
      { kind: 'redriven', id: exhausted[0], task_type: 'watermark', entry_kept: false },
      { kind: 'redriven', id: exhausted[1], task_type: 'thumbnail', entry_kept: false },
    ]);
    expect(await deadLetterIds(h)).toEqual([corrupt]);
    await queued.take(h.topology.workQueues.watermark, exhausted[0] ?? '');
    await queued.take(h.topology.workQueues.thumbnail, exhausted[1] ?? '');
    for (const id of exhausted) expect((await h.storage.records.get(id))?.status).toBe('queued');
    expect((await h.storage.records.get(corrupt))?.status).toBe('failed');

    const byType = await redrive({ task_type: 'watermark', reason: 'corrupt_image' });
    expect(byType.body).toMatchObject({ redriven: 1, outcomes: [{ kind: 'redriven', id: corrupt }] });
    expect(await deadLetterIds(h)).toEqual([]);
  });

  it('re-drives everything with all: true, leaves a poison entry and says it did not complete', async () => {
    const a = await deadLetterTask(h);
    const poison = await deadLetterPoison(h);
    const res = await redrive({ all: true });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ redriven: 1, completed: false, counts: { redriven: 1, undecodable: 1 } });
    expect((res.body as { outcomes: unknown[] }).outcomes).toEqual([
      { kind: 'redriven', id: a, task_type: 'watermark', entry_kept: false },
      { kind: 'undecodable', id: poison, message: expect.stringMatching(/not UTF-8 JSON/) },
    ]);
    expect(await deadLetterIds(h)).toEqual([poison]);
  });

  it('reports an id that is in no dead letter as not found, and re-drives nothing for it', async () => {
    const a = await deadLetterTask(h);
    const missing = randomUUID();
    const res = await redrive({ ids: [missing] });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ redriven: 0, completed: false, outcomes: [{ kind: 'not_found', id: missing }], counts: { not_found: 1 } });
    expect(await deadLetterIds(h)).toEqual([a]);
  });

  it('refuses a purge without "confirm": true with a 422 that says what it would remove, and removes nothing', async () => {
    const a = await deadLetterTask(h);
    const b = await deadLetterTask(h);
    const refused = expectProblem(await purge({ ids: [a] }), 422, 'validation_failed');
    expect(errorPaths(refused)).toEqual(['confirm']);
    expect(refused.detail).toBe(`purge would remove the dead letters of task ${a} for good (a purged task stays failed); add "confirm": true`);
    const all = expectProblem(await purge({ all: true, confirm: false }), 422, 'validation_failed');
    expect(all.errors?.[0]).toMatchObject({ path: 'confirm', message: expect.stringContaining('every dead letter in the queue') });
    const filter = expectProblem(await purge({ reason: 'corrupt_image', confirm: 'yes' }), 422, 'validation_failed');
    expect(filter.detail).toContain('the dead letters whose reason is corrupt_image');
    expect(await deadLetterIds(h)).toEqual([a, b]);
  });

  it('purges with "confirm": true; the task records stay failed', async () => {
    const a = await deadLetterTask(h, { reason: 'corrupt_image' });
    const b = await deadLetterTask(h, { task_type: 'thumbnail' });
    const missing = randomUUID();
    const res = await purge({ ids: [a, missing], confirm: true });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      purged: 1,
      completed: false,
      truncated: false,
      counts: { purged: 1, left: 0, unconfirmed: 0, not_found: 1 },
      outcomes: [
        { kind: 'purged', id: a, task_type: 'watermark', reason: 'corrupt_image' },
        { kind: 'not_found', id: missing },
      ],
    });
    expect(await deadLetterIds(h)).toEqual([b]);
    expect(await h.storage.records.get(a)).toMatchObject({ status: 'failed', error: { code: 'corrupt_image' } });

    const byType = await purge({ task_type: 'thumbnail', confirm: true });
    expect(byType.body).toMatchObject({ purged: 1, completed: true, outcomes: [{ kind: 'purged', id: b, task_type: 'thumbnail' }] });
    expect(await deadLetterIds(h)).toEqual([]);
    expect((await h.storage.records.get(b))?.status).toBe('failed');
  });

  it('loses nothing, and re-drives what it was asked to, when lists run at the same time as a re-drive', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i += 1) ids.push(await deadLetterTask(h));
    const [target, ...others] = ids;
    const lists = () => Array.from({ length: 3 }, () => list());
    const [before, redriven, after] = await Promise.all([Promise.all(lists()), redrive({ ids: [target] }), Promise.all(lists())]);
    expect(redriven.body).toMatchObject({ redriven: 1, outcomes: [{ kind: 'redriven', id: target }] });
    for (const res of [...before, ...after]) {
      expect(res.status).toBe(200);
      // Each list saw the queue before or after the re-drive, never a part of it.
      const seen = (res.body as { dead_letters: { id: string }[] }).dead_letters.map((r) => r.id);
      expect([ids, others]).toContainEqual(seen);
    }
    expect(sorted(await deadLetterIds(h))).toEqual(sorted(others));
    await queued.take(h.topology.workQueues.watermark, target ?? '');
  });

  it.each([
    ['GET', '/v1/dead-letters'],
    ['POST', '/v1/dead-letters/redrive'],
    ['POST', '/v1/dead-letters/purge'],
  ])('%s %s: 401 without a key, 403 for a tasks:read or tasks:write key, before touching the queue', async (method, path) => {
    const a = await deadLetterTask(h);
    const call = (headers: Record<string, string>) => {
      const req = method === 'GET' ? request(h.app).get(path) : request(h.app).post(path).send({ all: true, confirm: true });
      return req.set(headers);
    };
    const none = await call({});
    expectProblem(none, 401, 'unauthorized');
    expect(none.headers['www-authenticate']).toMatch(/^Bearer/);
    for (const scopes of [['tasks:read'], ['tasks:write'], ['tasks:read', 'tasks:write']] as const) {
      const key = await h.createKey({ tenant: 'default', scopes: [...scopes] });
      expectProblem(await call(bearer(key)), 403, 'forbidden');
    }
    expect(await deadLetterIds(h)).toEqual([a]);
    expect((await h.storage.records.get(a))?.status).toBe('failed');
  });
});

describe('dead-letter routes without a broker', () => {
  let h: ApiHarness;

  beforeAll(async () => {
    h = await createApiHarness({ amqpUrl: 'amqp://guest:guest@127.0.0.1:1', expectBroker: false, publishTimeoutMs: 300 });
  });

  afterAll(async () => {
    await h.close();
  });

  it.each([
    ['GET', '/v1/dead-letters', undefined],
    ['POST', '/v1/dead-letters/redrive', { all: true }],
    ['POST', '/v1/dead-letters/purge', { all: true, confirm: true }],
  ])('%s %s answers 503 with Retry-After when RabbitMQ cannot be reached', async (method, path, body) => {
    const res = method === 'GET' ? await request(h.app).get(path) : await request(h.app).post(path).send(body);
    const problem = expectProblem(res, 503, 'broker_unavailable');
    expect(res.headers['retry-after']).toBe('5');
    expect(problem.detail).toMatch(/^the dead-letter queue cannot be read now: not connected to RabbitMQ.*; retry later$/);
  });
});
