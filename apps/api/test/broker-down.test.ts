import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { newUploadKey } from '@offload/storage';
import { createApiHarness, type ApiHarness } from './harness';
import { blobFiles, expectProblem, testImage } from './fixtures';

const PUBLISH_TIMEOUT_MS = 1_000;

describe('the API when the broker is unreachable', () => {
  let harness: ApiHarness;
  let imageKey: string;

  beforeAll(async () => {
    harness = await createApiHarness({ amqpUrl: 'amqp://guest:guest@127.0.0.1:1', expectBroker: false, publishTimeoutMs: PUBLISH_TIMEOUT_MS });
    imageKey = newUploadKey();
    await harness.storage.blobs.put(imageKey, await testImage('jpeg'));
  });

  afterAll(async () => {
    await harness.close();
  });

  const records = () => harness.allRecords();

  it('answers 503 with Retry-After within the publish timeout and marks the record not_accepted', async () => {
    const before = new Set((await records()).map((r) => r.id));
    const startedAt = Date.now();
    const res = await request(harness.app)
      .post('/v1/tasks')
      .send({ task_type: 'watermark', content: { image: imageKey, watermark: { text: 'x' } } });
    const elapsedMs = Date.now() - startedAt;

    const problem = expectProblem(res, 503, 'broker_unavailable');
    expect(problem.detail).toBe('the task was not accepted: no channel to the broker (it is down or unreachable); retry later');
    expect(elapsedMs).toBeLessThan(PUBLISH_TIMEOUT_MS + 2_000);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    expect(res.headers.location).toBeUndefined();

    const created = (await records()).filter((r) => !before.has(r.id));
    expect(created).toHaveLength(1);
    expect(created[0]).toEqual(expect.objectContaining({ task_type: 'watermark', status: 'failed', error: expect.objectContaining({ code: 'not_accepted' }) }));
    const served = await request(harness.app).get(`/v1/tasks/${String(created[0]?.id)}`).expect(200);
    expect(served.body).toEqual(expect.objectContaining({ status: 'failed', error: expect.objectContaining({ code: 'not_accepted' }) }));
  });

  it('answers 503 for an analysis task too and never leaves a record queued', async () => {
    const res = await request(harness.app).post('/v1/tasks').send({ task_type: 'analysis', content: { rows: [{ a: 1 }] } });
    expectProblem(res, 503, 'broker_unavailable');
    const all = await records();
    expect(all.length).toBeGreaterThan(0);
    for (const record of all) expect(record).toEqual(expect.objectContaining({ status: 'failed', error: expect.objectContaining({ code: 'not_accepted' }) }));
  });

  it('answers 503 on POST /v1/images and deletes the uploaded image', async () => {
    const before = await blobFiles(harness.dataDir);
    const res = await request(harness.app).post('/v1/images').attach('image', await testImage('jpeg'), 'photo.jpg').field('text', 'x');
    expectProblem(res, 503, 'broker_unavailable');
    expect(res.headers['retry-after']).toBeDefined();
    expect(await blobFiles(harness.dataDir)).toEqual(before);
  });

  it('still validates input before it needs the broker', async () => {
    expectProblem(await request(harness.app).post('/v1/tasks').send({ task_type: 'watermark' }), 422, 'validation_failed');
  });

  it('answers 503 on /readyz', async () => {
    const res = await request(harness.app).get('/readyz');
    expectProblem(res, 503, 'broker_unavailable');
    expect(res.headers['retry-after']).toBeDefined();
  });

  it('answers 200 on /livez', async () => {
    await request(harness.app).get('/livez').expect(200);
  });
});
