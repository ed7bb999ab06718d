import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { createApiHarness, type ApiHarness } from './harness';
import { expectProblem } from './fixtures';

describe('health, metrics and unknown routes', () => {
  let harness: ApiHarness;

  beforeAll(async () => {
    harness = await createApiHarness();
  });

  afterAll(async () => {
    await harness.close();
  });

  it('answers 200 on /livez', async () => {
    const res = await request(harness.app).get('/livez').expect(200);
    expect(res.body).toEqual({ status: 'alive' });
  });

  it('answers 200 on /readyz when the broker is connected and storage writable', async () => {
    const res = await request(harness.app).get('/readyz').expect(200);
    expect(res.body).toEqual({ status: 'ready' });
  });

  it('serves Prometheus text with the submitted-tasks counter after a task was accepted', async () => {
    await request(harness.app)
      .post('/v1/tasks')
      .send({ task_type: 'analysis', content: { rows: [{ a: 1 }] } })
      .expect(202);
    const res = await request(harness.app).get('/metrics').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.text).toContain('# TYPE offload_tasks_submitted_total counter');
    expect(res.text).toMatch(/^offload_tasks_submitted_total\{[^}]*task_type="analysis"[^}]*outcome="accepted"[^}]*\} 1$/m);
  });

  it('answers 404 with a problem when no route matches', async () => {
    const res = await request(harness.app).get('/v1/nothing-here');
    expect(expectProblem(res, 404, 'not_found').detail).toContain('/v1/nothing-here');
    expectProblem(await request(harness.app).delete('/v1/tasks'), 404, 'not_found');
  });

  it('echoes a well-formed X-Request-Id and makes one up otherwise', async () => {
    const kept = await request(harness.app).get('/livez').set('X-Request-Id', 'req-123');
    expect(kept.headers['x-request-id']).toBe('req-123');
    const made = await request(harness.app).get('/livez').set('X-Request-Id', 'bad id with spaces');
    expect(made.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});
