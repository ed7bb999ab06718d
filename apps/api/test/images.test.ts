import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { createApiHarness, type ApiHarness } from './harness';
import { UPLOAD_KEY, UUID, binaryBytes, blobFiles, errorPaths, expectProblem, messageBody, openQueueReader, testImage, type QueueReader } from './fixtures';

const UPLOAD_MAX_BYTES = 64 * 1024;

interface WatermarkMessage {
  content: { image: string; watermark: Record<string, unknown> };
}

describe('POST /v1/images', () => {
  let harness: ApiHarness;
  let queues: QueueReader;
  let jpeg: Buffer;
  let png: Buffer;

  beforeAll(async () => {
    harness = await createApiHarness({ uploadMaxBytes: UPLOAD_MAX_BYTES });
    queues = await openQueueReader();
    [jpeg, png] = await Promise.all([testImage('jpeg'), testImage('png', 8, 8)]);
  });

  afterAll(async () => {
    await queues.close();
    await harness.close();
  });

  const post = () => request(harness.app).post('/v1/images');

  it('answers 202 and queues the options as typed values when every text field is given', async () => {
    const res = await post()
      .attach('image', jpeg, { filename: 'photo.jpg', contentType: 'image/jpeg' })
      .field('text', '© offload <b>')
      .field('position', 'top-left')
      .field('tile', 'true')
      .field('opacity', '0.3')
      .field('size', '0.2')
      .field('margin', '0.05')
      .field('format', 'webp')
      .field('quality', '80')
      .expect(202);
    const id = (res.body as { id: string }).id;
    expect(id).toMatch(UUID);
    expect(res.body).toStrictEqual({ id, task_type: 'watermark', status: 'queued', links: { self: `/v1/tasks/${id}`, result: `/v1/tasks/${id}/result` } });
    expect(res.headers.location).toBe(`/v1/tasks/${id}`);

    const message = await queues.take(harness.topology.workQueues.watermark, id);
    const body = messageBody(message) as unknown as WatermarkMessage;
    expect(body.content.watermark).toStrictEqual({
      text: '© offload <b>',
      position: 'top-left',
      tile: true,
      opacity: 0.3,
      size: 0.2,
      margin: 0.05,
      format: 'webp',
      quality: 80,
    });
    expect(body.content.image).toMatch(UPLOAD_KEY);
    expect(await harness.storage.blobs.read(body.content.image)).toEqual(jpeg);
    expect((await harness.storage.records.get(id))?.status).toBe('queued');
  });

  it('stores a logo part and references its key when a logo is given', async () => {
    const res = await post().attach('image', jpeg, 'photo.jpg').attach('logo', png, 'logo.png').field('tile', 'false').expect(202);
    const message = await queues.take(harness.topology.workQueues.watermark, (res.body as { id: string }).id);
    const { content } = messageBody(message) as unknown as WatermarkMessage;
    const logo = content.watermark.logo;
    expect(logo).toMatch(UPLOAD_KEY);
    expect(logo).not.toBe(content.image);
    expect(await harness.storage.blobs.read(String(logo))).toEqual(png);
    expect(content.watermark).toEqual(expect.objectContaining({ tile: false, position: 'bottom-right', opacity: 0.5 }));
    expect(content.watermark.text).toBeUndefined();
  });

  it('answers 422 with one error per field and deletes the uploads when fields are bad', async () => {
    const before = await blobFiles(harness.dataDir);
    const res = await post()
      .attach('image', jpeg, 'photo.jpg')
      .field('text', 'hello')
      .field('opacity', '2')
      .field('position', 'middle')
      .field('tile', 'maybe')
      .field('colour', 'red');
    const body = expectProblem(res, 422, 'validation_failed');
    expect(errorPaths(body)).toEqual(['colour', 'opacity', 'position', 'tile']);
    expect(await blobFiles(harness.dataDir)).toEqual(before);
  });

  it('answers 422 naming quality when it is not an integer', async () => {
    const res = await post().attach('image', jpeg, 'photo.jpg').field('text', 'x').field('quality', 'high');
    expect(errorPaths(expectProblem(res, 422, 'validation_failed'))).toEqual(['quality']);
  });

  it('answers 422 with a 201-character text', async () => {
    const res = await post().attach('image', jpeg, 'photo.jpg').field('text', 'x'.repeat(201));
    expect(errorPaths(expectProblem(res, 422, 'validation_failed'))).toEqual(['text']);
  });

  it('answers 422 and deletes the image when there is neither text nor logo', async () => {
    const before = await blobFiles(harness.dataDir);
    const res = await post().attach('image', jpeg, 'photo.jpg').field('position', 'top');
    expect(errorPaths(expectProblem(res, 422, 'validation_failed'))).toEqual(['text']);
    expect(await blobFiles(harness.dataDir)).toEqual(before);
  });

  it('answers 422 naming image when the image part is missing', async () => {
    const res = await post().attach('logo', png, 'logo.png').field('text', 'x');
    expect(errorPaths(expectProblem(res, 422, 'validation_failed'))).toEqual(['image']);
  });

  it('answers 422 naming the field when an unexpected file part is sent', async () => {
    const before = await blobFiles(harness.dataDir);
    const res = await post().attach('image', jpeg, 'photo.jpg').attach('background', png, 'bg.png').field('text', 'x');
    expect(errorPaths(expectProblem(res, 422, 'validation_failed'))).toEqual(['background']);
    expect(await blobFiles(harness.dataDir)).toEqual(before);
  });

  it('answers 415 and deletes the uploads when the image part is not an image', async () => {
    const before = await blobFiles(harness.dataDir);
    const res = await post()
      .attach('image', Buffer.from('a,b\n1,2\n'), { filename: 'photo.jpg', contentType: 'image/jpeg' })
      .attach('logo', png, 'logo.png')
      .field('text', 'x');
    expectProblem(res, 415, 'unsupported_media_type');
    expect(await blobFiles(harness.dataDir)).toEqual(before);
  });

  it('answers 415 and deletes the image when the logo part is binary', async () => {
    const before = await blobFiles(harness.dataDir);
    const res = await post().attach('image', jpeg, 'photo.jpg').attach('logo', binaryBytes(), { filename: 'logo.png', contentType: 'image/png' });
    expectProblem(res, 415, 'unsupported_media_type');
    expect(await blobFiles(harness.dataDir)).toEqual(before);
  });

  it('answers 413 and keeps nothing when the image is over the upload limit', async () => {
    const before = await blobFiles(harness.dataDir);
    const res = await post()
      .attach('image', Buffer.concat([jpeg, Buffer.alloc(UPLOAD_MAX_BYTES)]), 'big.jpg')
      .field('text', 'x');
    expectProblem(res, 413, 'payload_too_large');
    expect(await blobFiles(harness.dataDir)).toEqual(before);
  });

  it('answers 413 and deletes the image when the logo is over the upload limit', async () => {
    const before = await blobFiles(harness.dataDir);
    const res = await post()
      .field('text', 'x')
      .attach('image', jpeg, 'photo.jpg')
      .attach('logo', Buffer.concat([png, Buffer.alloc(UPLOAD_MAX_BYTES)]), 'logo.png');
    expectProblem(res, 413, 'payload_too_large');
    expect(await blobFiles(harness.dataDir)).toEqual(before);
  });

  it('answers 415 when the body is JSON rather than multipart', async () => {
    expectProblem(await post().send({ image: 'x', text: 'y' }), 415, 'unsupported_media_type');
  });

  it('answers 422 idempotency_key_reused when the same Idempotency-Key comes with other image bytes', async () => {
    const key = `images-${Date.now()}-${Math.random()}`;
    const send = (image: Buffer) => post().set('Idempotency-Key', key).attach('image', image, 'a.png').field('text', 'hi');
    await send(png).expect(202);
    expectProblem(await send(await testImage('png', 9, 8)), 422, 'idempotency_key_reused');
  });
});
