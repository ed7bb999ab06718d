import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { deadLetterIds, deadLetterTask } from './dead-letter-fixtures';
import { errorPaths, expectProblem } from './fixtures';
import { createApiHarness, type ApiHarness } from './harness';

/** A well-formed task id (in no dead letter: nothing reaches the queue anyway). */
const ID = randomUUID();

/** Hostile and mistaken input to the dead-letter routes: a precise 4xx, and the queue untouched. */
describe('dead-letter routes: validation', () => {
  let h: ApiHarness;
  let id: string;

  beforeAll(async () => {
    h = await createApiHarness();
    id = await deadLetterTask(h);
  });

  afterAll(async () => {
    expect(await deadLetterIds(h)).toEqual([id]);
    expect((await h.storage.records.get(id))?.status).toBe('failed');
    await h.close();
  });

  it.each([
    ['?limit=0', 'query.limit', 'must be at least 1'],
    ['?limit=-1', 'query.limit', 'must be a whole number from 1 to 10000'],
    ['?limit=abc', 'query.limit', 'must be a whole number from 1 to 10000'],
    ['?limit=1.5', 'query.limit', 'must be a whole number from 1 to 10000'],
    ['?limit=10001', 'query.limit', 'must be at most 10000'],
    ['?limit=1&limit=2', 'query.limit', 'is given more than once; give it once'],
    ['?reason=not_a_code', 'query.reason', 'must be an error code'],
    ['?task_type=%1B%5B2J', 'query.task_type', 'must be a task type'],
    [`?task_type=${'x'.repeat(33)}`, 'query.task_type', 'must be a task type'],
    ['?status=failed', 'query.status', 'unknown parameter; this route takes task_type, reason, limit'],
    ['?limit[x]=1', 'query.limit[x]', 'unknown parameter'],
  ])('GET /v1/dead-letters%s is 422 at %s', async (query, path, message) => {
    const body = expectProblem(await request(h.app).get(`/v1/dead-letters${query}`), 422, 'validation_failed');
    expect(errorPaths(body)).toEqual([path]);
    expect(body.errors?.[0]?.message).toContain(message);
  });

  const bodies: [string, unknown, string[], RegExp][] = [
    ['a bare {}', {}, [''], /name the dead letters to (re-drive|purge): "ids" \(1 to 1000 task ids\), a filter \("task_type", "reason"\) or "all": true/],
    ['ids that are not UUIDs', { ids: ['not-a-uuid', 42, ID] }, ['ids.0', 'ids.1'], /must be a task id \(a UUID\)/],
    ['no ids', { ids: [] }, ['ids'], /at least one task id/],
    ['1,001 ids', { ids: Array.from({ length: 1_001 }, () => randomUUID()) }, ['ids'], /at most 1000 task ids/],
    ['ids that are not an array', { ids: ID }, ['ids'], /must be an array of task ids/],
    ['an unknown field', { ids: [ID], force: true }, ['force'], /unknown field/],
    ['a reason that is not an error code', { reason: 'broken' }, ['reason'], /must be an error code/],
    ['a task type with control characters', { task_type: 'water\nmark' }, ['task_type'], /must be a task type/],
    ['all: false', { all: false }, ['all'], /must be true/],
    ['all: "true"', { all: 'true' }, ['all'], /must be true/],
    ['ids and all', { ids: [ID], all: true }, ['all'], /not several: ids already selects/],
    ['ids and a filter', { ids: [ID], task_type: 'watermark', reason: 'corrupt_image' }, ['reason', 'task_type'], /not several/],
    ['a JSON array', [ID], [''], /expected object, received array/],
    ['JSON null', null, [''], /expected object, received null/],
    ['a JSON string', JSON.stringify('all'), [''], /expected object, received string/],
  ];

  describe.each(['redrive', 'purge'])('POST /v1/dead-letters/%s', (route) => {
    const post = (body: unknown) =>
      request(h.app)
        .post(`/v1/dead-letters/${route}`)
        .set('Content-Type', 'application/json')
        .send(typeof body === 'string' ? body : JSON.stringify(route === 'purge' && body !== null && typeof body === 'object' && !Array.isArray(body) ? { ...body, confirm: true } : body));

    it.each(bodies)('is 422 for %s', async (_what, body, paths, message) => {
      const problem = expectProblem(await post(body), 422, 'validation_failed');
      expect(errorPaths(problem)).toEqual(paths);
      for (const error of problem.errors ?? []) expect(error.message).toMatch(message);
    });

    it('is 400 for a body that is not JSON, 415 for one that is not declared JSON or missing', async () => {
      expectProblem(await request(h.app).post(`/v1/dead-letters/${route}`).set('Content-Type', 'application/json').send('{"ids": ['), 400, 'malformed_json');
      expectProblem(await request(h.app).post(`/v1/dead-letters/${route}`).set('Content-Type', 'text/plain').send('{"all": true}'), 415, 'unsupported_media_type');
      expectProblem(await request(h.app).post(`/v1/dead-letters/${route}`), 415, 'unsupported_media_type');
    });

    it('is 413 for a body over JSON_BODY_MAX_BYTES', async () => {
      expectProblem(await post({ ids: [ID], padding: 'x'.repeat(70 * 1024) }), 413, 'payload_too_large');
    });
  });

  it('answers 404 for a dead-letter route that does not exist, and for GET on a POST route', async () => {
    expectProblem(await request(h.app).get('/v1/dead-letters/redrive'), 404, 'not_found');
    expectProblem(await request(h.app).post('/v1/dead-letters'), 404, 'not_found');
    expectProblem(await request(h.app).delete('/v1/dead-letters'), 404, 'not_found');
  });
});
