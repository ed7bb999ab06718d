import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { newUploadKey } from '@offload/storage';
import { createApiHarness, unbindTaskType, type ApiHarness } from './harness';
import { expectProblem, testImage } from './fixtures';

describe('POST /v1/tasks when no queue takes the task type', () => {
  let harness: ApiHarness;

  beforeAll(async () => {
    harness = await createApiHarness();
    // An operator removed the binding: a mandatory publish comes back unroutable.
    await unbindTaskType(harness.topology, 'analysis');
  });

  afterAll(async () => {
    await harness.close();
  });

  it('answers 503 and records not_accepted when the broker returns the message as unroutable', async () => {
    const res = await request(harness.app).post('/v1/tasks').send({ task_type: 'analysis', content: { rows: [{ a: 1 }] } });
    const problem = expectProblem(res, 503, 'broker_unavailable');
    expect(problem.detail).toMatch(/^the task was not accepted: no queue is bound for routing key analysis on .*; retry later$/);
    expect(res.headers['retry-after']).toBeDefined();

    const all = await harness.allRecords();
    expect(all).toHaveLength(1);
    const record: unknown = all[0];
    expect(record).toEqual(expect.objectContaining({ task_type: 'analysis', status: 'failed', error: expect.objectContaining({ code: 'not_accepted' }) }));

    const metrics = await request(harness.app).get('/metrics').expect(200);
    expect(metrics.text).toMatch(/^offload_tasks_submitted_total\{[^}]*task_type="analysis"[^}]*outcome="not_accepted"[^}]*\} 1$/m);
  });

  it('keeps accepting task types that still route', async () => {
    const image = newUploadKey();
    await harness.storage.blobs.put(image, await testImage('jpeg'));
    await request(harness.app)
      .post('/v1/tasks')
      .send({ task_type: 'watermark', content: { image, watermark: { text: 'x' } } })
      .expect(202);
    await request(harness.app).get('/readyz').expect(200);
  });
});
