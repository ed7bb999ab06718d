import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { createApiHarness, type ApiHarness } from './harness';
import { errorPaths, expectProblem, testImage } from './fixtures';

const NEVER_ISSUED = `up_${'0123456789abcdef'.repeat(2)}`;

describe('POST /v1/tasks with bad input', () => {
  let harness: ApiHarness;
  let imageKey: string;

  beforeAll(async () => {
    harness = await createApiHarness({ jsonBodyMaxBytes: 16 * 1024 });
    const upload = await request(harness.app).post('/v1/uploads').attach('file', await testImage('png'), 'logo.png').expect(201);
    imageKey = (upload.body as { key: string }).key;
  });

  afterAll(async () => {
    await harness.close();
  });

  const post = (body: unknown) => request(harness.app).post('/v1/tasks').send(body as object);
  const recordCount = async () => (await harness.allRecords()).length;

  it('answers 422 naming task_type when the body is an empty object', async () => {
    const body = expectProblem(await post({}), 422, 'validation_failed');
    expect(errorPaths(body)).toEqual(['task_type']);
    expect(body.errors?.[0]).toEqual({ path: 'task_type', message: expect.any(String), code: expect.any(String) });
  });

  it('answers 422 naming content when only task_type is given', async () => {
    const body = expectProblem(await post({ task_type: 'watermark' }), 422, 'validation_failed');
    expect(errorPaths(body)).toEqual(['content']);
  });

  it('answers 422 with one error per missing field inside content', async () => {
    const body = expectProblem(await post({ task_type: 'watermark', content: {} }), 422, 'validation_failed');
    expect(errorPaths(body)).toEqual(['content.image', 'content.watermark']);
  });

  it('answers 422 with one error per field when unknown fields appear at every level', async () => {
    const res = await post({
      task_type: 'watermark',
      urgency: 'high',
      content: { image: imageKey, callback: 'http://example.test', watermark: { text: 'x', colour: 'red', font: 'serif' } },
    });
    const body = expectProblem(res, 422, 'validation_failed');
    expect(errorPaths(body)).toEqual(['content.callback', 'content.watermark.colour', 'content.watermark.font', 'urgency']);
    for (const error of body.errors ?? []) expect(error.code).toBe('unrecognized_keys');
  });

  it('answers 422 with one error per field when values have the wrong type', async () => {
    const res = await post({
      task_type: 'watermark',
      content: { image: 42, watermark: { text: 'x', opacity: '0.5', tile: 'yes', quality: 80.5, position: 'middle' } },
    });
    const body = expectProblem(res, 422, 'validation_failed');
    expect(errorPaths(body)).toEqual([
      'content.image',
      'content.watermark.opacity',
      'content.watermark.position',
      'content.watermark.quality',
      'content.watermark.tile',
    ]);
    for (const error of body.errors ?? []) expect(error).toEqual({ path: error.path, message: expect.any(String), code: expect.any(String) });
  });

  it('answers 422 naming task_type when the task type is unknown', async () => {
    const body = expectProblem(await post({ task_type: 'resize', content: { image: imageKey } }), 422, 'validation_failed');
    expect(errorPaths(body)).toEqual(['task_type']);
  });

  it('answers 422 on content.watermark.text when the text has 201 characters', async () => {
    const res = await post({ task_type: 'watermark', content: { image: imageKey, watermark: { text: 'x'.repeat(201) } } });
    const body = expectProblem(res, 422, 'validation_failed');
    expect(body.errors).toEqual([{ path: 'content.watermark.text', message: expect.any(String), code: 'too_big' }]);
  });

  it('answers 422 when a watermark has neither text nor logo', async () => {
    const body = expectProblem(await post({ task_type: 'watermark', content: { image: imageKey, watermark: {} } }), 422, 'validation_failed');
    expect(errorPaths(body)).toEqual(['content.watermark.text']);
  });

  it('answers 422 when an analysis task gives both a dataset and rows', async () => {
    const res = await post({ task_type: 'analysis', content: { dataset: imageKey, rows: [{ a: 1 }] } });
    expect(errorPaths(expectProblem(res, 422, 'validation_failed'))).toEqual(['content.dataset']);
  });

  it.each(['../etc/passwd', 'up_xyz', '/tmp/photo.jpg', 'https://example.test/a.jpg', `${NEVER_ISSUED}.jpg`])(
    'answers 422 on content.image when the key is not a server key: %s',
    async (image) => {
      const before = await recordCount();
      const body = expectProblem(await post({ task_type: 'watermark', content: { image, watermark: { text: 'x' } } }), 422, 'validation_failed');
      expect(errorPaths(body)).toEqual(['content.image']);
      expect(await recordCount()).toBe(before);
    },
  );

  it('answers 422 unknown_upload on content.image when a well-formed key was never issued', async () => {
    const before = await recordCount();
    const res = await post({ task_type: 'watermark', content: { image: NEVER_ISSUED, watermark: { text: 'x' } } });
    const body = expectProblem(res, 422, 'unknown_upload');
    expect(body.errors).toEqual([{ path: 'content.image', message: expect.any(String), code: 'unknown_upload' }]);
    expect(await recordCount()).toBe(before);
  });

  it('answers 422 unknown_upload on content.watermark.logo when only the logo was never issued', async () => {
    const res = await post({ task_type: 'watermark', content: { image: imageKey, watermark: { logo: NEVER_ISSUED } } });
    const body = expectProblem(res, 422, 'unknown_upload');
    expect(body.errors).toEqual([{ path: 'content.watermark.logo', message: expect.any(String), code: 'unknown_upload' }]);
  });

  it('answers 422 unknown_upload on content.dataset when an analysis dataset was never issued', async () => {
    const body = expectProblem(await post({ task_type: 'analysis', content: { dataset: NEVER_ISSUED } }), 422, 'unknown_upload');
    expect(errorPaths(body)).toEqual(['content.dataset']);
  });

  it('answers 400 when the JSON is malformed', async () => {
    const res = await request(harness.app).post('/v1/tasks').set('Content-Type', 'application/json').send('{"task_type": "watermark",');
    expectProblem(res, 400, 'malformed_json');
  });

  it('answers 413 when the JSON body is over the limit', async () => {
    const res = await post({ task_type: 'analysis', content: { rows: [{ blob: 'x'.repeat(20 * 1024) }] } });
    expectProblem(res, 413, 'payload_too_large');
  });

  it('answers 415 when the body is text/plain', async () => {
    const res = await request(harness.app)
      .post('/v1/tasks')
      .set('Content-Type', 'text/plain')
      .send(JSON.stringify({ task_type: 'analysis', content: { rows: [] } }));
    expectProblem(res, 415, 'unsupported_media_type');
  });

  it('answers 415 when the request has no body or content type', async () => {
    expectProblem(await request(harness.app).post('/v1/tasks'), 415, 'unsupported_media_type');
  });
});
