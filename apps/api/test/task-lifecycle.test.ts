import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { randomUUID } from 'node:crypto';
import type { TaskRecord } from '@offload/contracts';
import { createApiHarness, type ApiHarness } from './harness';
import { errorPaths, expectProblem, messageBody, openQueueReader, testImage, type QueueReader } from './fixtures';

const analysisTask = { task_type: 'analysis', content: { rows: [{ a: 1 }, { a: 2 }] } };
const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });

describe('task options and cancel routes (API alone, real broker)', () => {
  let harness: ApiHarness;
  let queues: QueueReader;
  let writer: string;
  let reader: string;
  let otherTenant: string;

  beforeAll(async () => {
    harness = await createApiHarness({ auth: 'keys' });
    queues = await openQueueReader();
    writer = await harness.createKey({ tenant: 'acme', scopes: ['tasks:read', 'tasks:write'] });
    reader = await harness.createKey({ tenant: 'acme', scopes: ['tasks:read'] });
    otherTenant = await harness.createKey({ tenant: 'globex', scopes: ['tasks:read', 'tasks:write'] });
  });

  afterAll(async () => {
    await queues.close();
    await harness.close();
  });

  const submit = (body: object, key = writer) => request(harness.app).post('/v1/tasks').set(bearer(key)).send(body);

  it('publishes a high-priority task to its type\'s high queue, with its priority in the envelope and on the record', async () => {
    const res = await submit({ ...analysisTask, priority: 'high' }).expect(202);
    const message = await queues.take(harness.topology.highWorkQueues.analysis, res.body.id);
    expect(messageBody(message)).toMatchObject({ id: res.body.id, priority: 'high' });
    const record = (await request(harness.app).get(`/v1/tasks/${res.body.id}`).set(bearer(writer)).expect(200)).body as TaskRecord;
    expect(record.priority).toBe('high');
  });

  it('keeps a scheduled task out of the broker and answers scheduled with its due time', async () => {
    const runAt = new Date(Date.now() + 3_600_000).toISOString();
    const res = await submit({ ...analysisTask, run_at: runAt }).expect(202);
    expect(res.body.status).toBe('scheduled');
    const record = (await request(harness.app).get(`/v1/tasks/${res.body.id}`).set(bearer(writer)).expect(200)).body as TaskRecord;
    expect(record).toMatchObject({ status: 'scheduled', run_at: runAt });
    expect(await harness.storage.schedule.count()).toBeGreaterThanOrEqual(1);
  });

  it('reads the task options from text fields of a multipart route', async () => {
    const res = await request(harness.app)
      .post('/v1/images')
      .set(bearer(writer))
      .attach('image', await testImage('png'), 'a.png')
      .field('text', 'hi')
      .field('delay_ms', '600000')
      .field('priority', 'high')
      .field('callback_url', 'https://example.com/hooks/offload')
      .expect(202);
    expect(res.body.status).toBe('scheduled');
    const record = (await request(harness.app).get(`/v1/tasks/${res.body.id}`).set(bearer(writer)).expect(200)).body as TaskRecord;
    expect(record).toMatchObject({ priority: 'high', callback: { url: 'https://example.com/hooks/offload', state: 'pending', attempts: [] } });
    const bad = await request(harness.app).post('/v1/images').set(bearer(writer)).attach('image', await testImage('png'), 'a.png').field('delay_ms', 'soon').field('priority', 'urgent');
    expect(errorPaths(expectProblem(bad, 422, 'validation_failed'))).toEqual(expect.arrayContaining(['delay_ms', 'priority']));
  });

  it.each([
    [{ run_at: 'tomorrow' }, 'run_at'],
    [{ run_at: '2030-01-01T00:00:00' }, 'run_at'],
    [{ delay_ms: -1 }, 'delay_ms'],
    [{ delay_ms: 1.5 }, 'delay_ms'],
    [{ delay_ms: 366 * 24 * 3600 * 1000 }, 'delay_ms'],
    [{ run_at: new Date(Date.now() + 60_000).toISOString(), delay_ms: 5 }, 'delay_ms'],
    [{ priority: 'HIGH' }, 'priority'],
    [{ callback_url: 'ftp://example.com/x' }, 'callback_url'],
    [{ callback_url: 'javascript:alert(1)' }, 'callback_url'],
    [{ callback_url: `https://example.com/${'a'.repeat(3000)}` }, 'callback_url'],
  ])('refuses bad task options (case %#) with 422 at their path', async (options, path) => {
    const res = await submit({ ...analysisTask, ...options });
    expect(errorPaths(expectProblem(res, 422, 'validation_failed'))).toContain(path);
  });

  it('cancels a task of the caller\'s tenant only, with tasks:write', async () => {
    const { body } = await submit({ ...analysisTask, delay_ms: 600_000 }).expect(202);
    expectProblem(await request(harness.app).post(`/v1/tasks/${body.id}/cancel`).set(bearer(otherTenant)), 404, 'not_found');
    expectProblem(await request(harness.app).post(`/v1/tasks/${body.id}/cancel`).set(bearer(reader)), 403, 'forbidden');
    const res = await request(harness.app).post(`/v1/tasks/${body.id}/cancel`).set(bearer(writer)).expect(202);
    expect(res.body).toMatchObject({ id: body.id, status: 'cancelled', tenant: 'acme' });
    // A waiting task's cancel is counted here, by type (a running one by its worker).
    const metrics = await request(harness.app).get('/metrics').expect(200);
    expect(metrics.text).toMatch(/^offload_tasks_cancelled_total\{task_type="analysis",role="api"\} 1$/m);
  });

  it.each(['not-a-uuid', randomUUID(), '..%2F..%2Fetc', 'x'.repeat(5000)])('answers 404 to cancel an unknown id %#', async (id) => {
    const res = await request(harness.app).post(`/v1/tasks/${id}/cancel`).set(bearer(writer));
    expect(expectProblem(res, 404, 'not_found').detail.length).toBeLessThan(200);
  });

  it('refuses a bulk cancel with no filter, a page parameter, an unknown filter or both query and body', async () => {
    expectProblem(await request(harness.app).post('/v1/tasks/cancel').set(bearer(writer)), 422, 'validation_failed');
    expectProblem(await request(harness.app).post('/v1/tasks/cancel?status=queued&limit=5').set(bearer(writer)), 422, 'validation_failed');
    expectProblem(await request(harness.app).post('/v1/tasks/cancel?stauts=queued').set(bearer(writer)), 422, 'validation_failed');
    expectProblem(await request(harness.app).post('/v1/tasks/cancel?status=exploded').set(bearer(writer)), 422, 'validation_failed');
    expectProblem(await request(harness.app).post('/v1/tasks/cancel?status=queued').set(bearer(writer)).send({ status: 'queued' }), 422, 'validation_failed');
    expectProblem(await request(harness.app).post('/v1/tasks/cancel?status=queued&tenant=globex').set(bearer(writer)), 403, 'forbidden');
    expectProblem(await request(harness.app).post('/v1/tasks/cancel').set(bearer(writer)).set('content-type', 'application/json').send('{"status":'), 400, 'malformed_json');
  });

  it('cancels in bulk only the caller\'s tenant\'s tasks', async () => {
    const mine = (await submit({ ...analysisTask, delay_ms: 600_000 }).expect(202)).body.id as string;
    const theirs = (await submit({ ...analysisTask, delay_ms: 600_000 }, otherTenant).expect(202)).body.id as string;
    const res = await request(harness.app).post('/v1/tasks/cancel?status=scheduled').set(bearer(writer)).expect(200);
    expect(res.body.cancelled).toBeGreaterThanOrEqual(1);
    expect((await harness.storage.records.get(mine))?.status).toBe('cancelled');
    expect((await harness.storage.records.get(theirs))?.status).toBe('scheduled');
  });
});
