import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { outputKey } from '@offload/storage';
import { createApiHarness, type ApiHarness } from './harness';
import { UPLOAD_KEY, UUID, blobFiles, errorPaths, expectProblem, messageBody, openQueueReader, testImage, type QueueReader } from './fixtures';

interface ThumbnailMessage {
  task_type: string;
  content: { image: string; widths: number[]; fit: string; enlarge: boolean; format: string; quality?: number };
}

describe('thumbnail tasks over HTTP', () => {
  let harness: ApiHarness;
  let queues: QueueReader;
  let png: Buffer;

  beforeAll(async () => {
    harness = await createApiHarness();
    queues = await openQueueReader();
    png = await testImage('png', 400, 300);
  });

  afterAll(async () => {
    await queues.close();
    await harness.close();
  });

  const post = () => request(harness.app).post('/v1/thumbnails');
  const queued = async (id: string) => messageBody(await queues.take(harness.topology.workQueues.thumbnail, id)) as unknown as ThumbnailMessage;

  it('POST /v1/thumbnails answers 202 and queues the options typed, widths as a comma-separated field', async () => {
    const res = await post().attach('image', png, 'photo.png').field('widths', '100, 200').field('fit', 'cover').field('format', 'jpeg').field('quality', '70').expect(202);
    const body = res.body as { id: string; task_type: string; status: string };
    expect(body).toEqual(expect.objectContaining({ id: expect.stringMatching(UUID), task_type: 'thumbnail', status: 'queued' }));
    const message = await queued(body.id);
    expect(message.content).toEqual({ image: expect.stringMatching(UPLOAD_KEY), widths: [100, 200], fit: 'cover', enlarge: false, format: 'jpeg', quality: 70 });
  });

  it('takes widths as repeated fields too, and applies the defaults', async () => {
    const res = await post().attach('image', png, 'photo.png').field('widths', '50').field('widths', '150').expect(202);
    expect((await queued((res.body as { id: string }).id)).content).toEqual(expect.objectContaining({ widths: [50, 150], fit: 'inside', enlarge: false, format: 'webp' }));
  });

  it.each([
    ['no width', []],
    ['a width of 0', ['0']],
    ['nine widths', ['1', '2', '3', '4', '5', '6', '7', '8', '9']],
    ['a width twice', ['100', '100']],
    ['a width that is not a number', ['wide']],
  ])('answers 422 naming widths for %s, and keeps nothing', async (_what, widths) => {
    const before = await blobFiles(harness.dataDir);
    let req = post().attach('image', png, 'photo.png');
    for (const w of widths) req = req.field('widths', w);
    const paths = errorPaths(expectProblem(await req, 422, 'validation_failed'));
    expect(paths.length).toBeGreaterThan(0);
    for (const path of paths) expect(path).toMatch(/^widths(\.\d+)?$/);
    expect(await blobFiles(harness.dataDir)).toEqual(before);
  });

  it('answers 422 naming widths.1 when a width is above the image without enlarge, and accepts it with enlarge', async () => {
    const body = expectProblem(await post().attach('image', png, 'photo.png').field('widths', '100,500'), 422, 'validation_failed');
    expect(body.errors).toEqual([{ path: 'widths.1', code: 'too_big', message: '500 px is wider than the image (400 px); set enlarge to true to allow it' }]);
    await post().attach('image', png, 'photo.png').field('widths', '100,500').field('enlarge', 'true').expect(202);
  });

  it('answers 422 naming image when the image part is missing, and 415 when it is not an image', async () => {
    expect(errorPaths(expectProblem(await post().field('widths', '100'), 422, 'validation_failed'))).toEqual(['image']);
    expectProblem(await post().attach('image', Buffer.from('a,b\n1,2\n'), 'data.csv').field('widths', '100'), 415, 'unsupported_media_type');
  });

  it('answers 422 naming an unknown field', async () => {
    expect(errorPaths(expectProblem(await post().attach('image', png, 'p.png').field('widths', '100').field('height', '100'), 422, 'validation_failed'))).toEqual(['height']);
  });

  it('POST /v1/tasks takes a thumbnail task that names an upload, and refuses one wider than its image', async () => {
    const key = ((await request(harness.app).post('/v1/uploads').attach('file', png, 'p.png').expect(201)).body as { key: string }).key;
    const accepted = await request(harness.app).post('/v1/tasks').send({ task_type: 'thumbnail', content: { image: key, widths: [64] } }).expect(202);
    expect((await queued((accepted.body as { id: string }).id)).content).toEqual({ image: key, widths: [64], fit: 'inside', enlarge: false, format: 'webp' });
    const refused = await request(harness.app).post('/v1/tasks').send({ task_type: 'thumbnail', content: { image: key, widths: [64, 4000] } });
    expect(errorPaths(expectProblem(refused, 422, 'validation_failed'))).toEqual(['content.widths.1']);
  });

  describe('GET /v1/tasks/:id/outputs/:name', () => {
    /** What a worker does: store each rendition and finish the record listing them. */
    async function finishedTask(): Promise<{ id: string; w64: Buffer }> {
      const id = ((await request(harness.app).post('/v1/thumbnails').attach('image', png, 'p.png').field('widths', '64').expect(202)).body as { id: string }).id;
      const w64 = await testImage('webp', 64, 48);
      const key = outputKey(id, 'w64.webp');
      await harness.storage.blobs.put(key, w64);
      await harness.storage.blobs.put(outputKey(id, 'json'), Buffer.from('{"renditions":[]}'));
      const at = new Date().toISOString();
      await harness.storage.records.update(id, (r) => ({ ...r, status: 'processing', attempts: 1, started_at: at, updated_at: at }));
      await harness.storage.records.update(id, (r) => ({
        ...r,
        status: 'succeeded',
        finished_at: at,
        updated_at: at,
        result: {
          output_key: outputKey(id, 'json'),
          content_type: 'application/json',
          outputs: [{ name: 'w64', output_key: key, content_type: 'image/webp', width: 64, height: 48, bytes: w64.length }],
        },
      }));
      return { id, w64 };
    }

    it('serves a rendition by name with its content type', async () => {
      const { id, w64 } = await finishedTask();
      const res = await request(harness.app).get(`/v1/tasks/${id}/outputs/w64`).buffer(true).expect(200);
      expect(res.headers['content-type']).toBe('image/webp');
      expect(res.body).toEqual(w64);
    });

    it('answers 404 naming the outputs there are when the name is unknown', async () => {
      const { id } = await finishedTask();
      const body = expectProblem(await request(harness.app).get(`/v1/tasks/${id}/outputs/w65`), 404, 'not_found');
      expect(body.detail).toContain('(it has w64)');
      expectProblem(await request(harness.app).get(`/v1/tasks/${id}/outputs/..%2F..%2Fetc%2Fpasswd`), 404, 'not_found');
    });

    it('answers 409 while the task is not finished, and 404 for an unknown task', async () => {
      const id = ((await post().attach('image', png, 'p.png').field('widths', '64').expect(202)).body as { id: string }).id;
      expectProblem(await request(harness.app).get(`/v1/tasks/${id}/outputs/w64`), 409, 'task_not_finished');
      expectProblem(await request(harness.app).get(`/v1/tasks/${randomUUID()}/outputs/w64`), 404, 'not_found');
    });
  });
});
