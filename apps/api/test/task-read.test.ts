import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { outputKey } from '@offload/storage';
import { createApiHarness, type ApiHarness } from './harness';
import { expectProblem, testImage } from './fixtures';

describe('GET /v1/tasks/:id and /v1/tasks/:id/result', () => {
  let harness: ApiHarness;
  let imageKey: string;

  beforeAll(async () => {
    harness = await createApiHarness();
    imageKey = `up_${randomUUID().replaceAll('-', '')}`;
    await harness.storage.blobs.put(imageKey, await testImage('jpeg'));
  });

  afterAll(async () => {
    await harness.close();
  });

  async function submit(body: object = { task_type: 'watermark', content: { image: imageKey, watermark: { text: 'x' } } }): Promise<string> {
    const res = await request(harness.app).post('/v1/tasks').send(body).expect(202);
    return (res.body as { id: string }).id;
  }

  /** What a worker does: take the task, store the output, finish the record. */
  async function finishLikeAWorker(id: string, output: Buffer, extension: string, contentType: string): Promise<void> {
    const startedAt = new Date().toISOString();
    const started = await harness.storage.records.update(id, (r) => ({ ...r, status: 'processing', attempts: 1, started_at: startedAt, updated_at: startedAt }));
    expect(started.applied).toBe(true);
    const key = outputKey(id, extension);
    await harness.storage.blobs.put(key, output);
    const finishedAt = new Date().toISOString();
    const finished = await harness.storage.records.update(id, (r) => ({
      ...r,
      status: 'succeeded',
      finished_at: finishedAt,
      updated_at: finishedAt,
      progress: 1,
      result: { output_key: key, content_type: contentType },
    }));
    expect(finished.applied).toBe(true);
  }

  it('answers 200 with the stored record when the task exists', async () => {
    const id = await submit();
    const res = await request(harness.app).get(`/v1/tasks/${id}`).expect(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body).toStrictEqual(await harness.storage.records.get(id));
    expect(res.body).toEqual(expect.objectContaining({ id, task_type: 'watermark', status: 'queued', attempts: 0 }));
  });

  it('matches the id case-insensitively (ids are UUIDs)', async () => {
    const id = await submit();
    const res = await request(harness.app).get(`/v1/tasks/${id.toUpperCase()}`).expect(200);
    expect(res.body).toEqual(expect.objectContaining({ id }));
    expectProblem(await request(harness.app).get(`/v1/tasks/${id.toUpperCase()}/result`), 409, 'task_not_finished');
  });

  it('answers 404 with a problem when no task has the uuid', async () => {
    expectProblem(await request(harness.app).get(`/v1/tasks/${randomUUID()}`), 404, 'not_found');
  });

  it.each(['not-a-uuid', '..%2F..%2Fetc%2Fpasswd', '123'])('answers 404 when the id is not a uuid: %s', async (id) => {
    expectProblem(await request(harness.app).get(`/v1/tasks/${id}`), 404, 'not_found');
    expectProblem(await request(harness.app).get(`/v1/tasks/${id}/result`), 404, 'not_found');
  });

  it('answers 404 on the result when no task has the uuid', async () => {
    expectProblem(await request(harness.app).get(`/v1/tasks/${randomUUID()}/result`), 404, 'not_found');
  });

  it('answers 409 task_not_finished on the result while the task is queued', async () => {
    const id = await submit();
    expectProblem(await request(harness.app).get(`/v1/tasks/${id}/result`), 409, 'task_not_finished');
  });

  it('answers 409 task_not_finished on the result while the task is processing', async () => {
    const id = await submit();
    await harness.storage.records.update(id, (r) => ({ ...r, status: 'processing', attempts: 1 }));
    expectProblem(await request(harness.app).get(`/v1/tasks/${id}/result`), 409, 'task_not_finished');
  });

  it('answers 200 with the image bytes and their content type once the task succeeded', async () => {
    const id = await submit();
    const output = await testImage('png', 16, 16);
    await finishLikeAWorker(id, output, 'png', 'image/png');

    const res = await request(harness.app).get(`/v1/tasks/${id}/result`).buffer(true).expect(200);
    expect(res.headers['content-type']).toBe('image/png');
    expect(res.headers['content-length']).toBe(String(output.length));
    expect(res.body).toEqual(output);

    const record = await request(harness.app).get(`/v1/tasks/${id}`).expect(200);
    expect(record.body).toEqual(expect.objectContaining({ status: 'succeeded', result: { output_key: outputKey(id, 'png'), content_type: 'image/png' } }));
  });

  it('answers 200 with the analysis JSON once an analysis task succeeded', async () => {
    const id = await submit({ task_type: 'analysis', content: { rows: [{ a: 1 }, { a: 2 }] } });
    const report = { row_count: 2, columns: [{ name: 'a', type: 'integer', count: 2, missing: 0 }] };
    await finishLikeAWorker(id, Buffer.from(JSON.stringify(report)), 'json', 'application/json');

    const res = await request(harness.app).get(`/v1/tasks/${id}/result`).expect(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body).toEqual(report);
  });
});
