import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import sharp from 'sharp';
import request from 'supertest';
import { createApiHarness, type ApiHarness } from './harness';
import { errorPaths, expectProblem, testImage } from './fixtures';

/** Tasks the worker would surely fail are refused at submit time, with the path at fault. */
describe('submits the worker would surely reject', () => {
  let harness: ApiHarness;
  let imageKey: string;
  let datasetKey: string;
  let wideImageKey: string;
  let rotatedImageKey: string;

  const upload = async (bytes: Buffer, name: string) => ((await request(harness.app).post('/v1/uploads').attach('file', bytes, name).expect(201)).body as { key: string }).key;

  beforeAll(async () => {
    harness = await createApiHarness();
    imageKey = await upload(await testImage('png'), 'a.png');
    datasetKey = await upload(Buffer.from('city,temp\nOslo,4.5\n'), 'a.csv');
    wideImageKey = await upload(await testImage('jpeg', 2000, 10), 'wide.jpg');
    // Stored 10 wide and 2000 high, shown 2000 wide: EXIF orientation 6 turns it a quarter.
    rotatedImageKey = await upload(
      await sharp({ create: { width: 10, height: 2000, channels: 3, background: 'gray' } })
        .jpeg()
        .withMetadata({ orientation: 6 })
        .toBuffer(),
      'rotated.jpg',
    );
  });

  afterAll(async () => {
    await harness.close();
  });

  const post = (body: object) => request(harness.app).post('/v1/tasks').send(body);
  const watermark = (content: object) => post({ task_type: 'watermark', content });

  it('answers 422 naming content.dataset when the dataset is an image upload', async () => {
    const body = expectProblem(await post({ task_type: 'analysis', content: { dataset: imageKey } }), 422, 'validation_failed');
    expect(body.errors).toEqual([{ path: 'content.dataset', code: 'wrong_upload_type', message: `the upload ${imageKey} is an image (image/png), not a dataset` }]);
  });

  it('answers 422 naming content.image when the image is a dataset upload', async () => {
    const body = expectProblem(await watermark({ image: datasetKey, watermark: { text: 'x' } }), 422, 'validation_failed');
    expect(body.errors).toEqual([{ path: 'content.image', code: 'wrong_upload_type', message: `the upload ${datasetKey} is a text dataset (text/csv), not an image` }]);
  });

  it('answers 422 naming content.watermark.logo when the logo is a dataset upload', async () => {
    const body = expectProblem(await watermark({ image: imageKey, watermark: { logo: datasetKey } }), 422, 'validation_failed');
    expect(errorPaths(body)).toEqual(['content.watermark.logo']);
  });

  it.each([' ', '   \t\n', '\u200b\u200b', '\u0000'])('answers 422 naming content.watermark.text when the text is only %j', async (text) => {
    const body = expectProblem(await watermark({ image: imageKey, watermark: { text } }), 422, 'validation_failed');
    expect(errorPaths(body)).toEqual(['content.watermark.text']);
  });

  it('answers 422 naming the text field when /v1/images gets a blank text', async () => {
    const res = await request(harness.app).post('/v1/images').attach('image', await testImage('png'), 'a.png').field('text', '  ');
    expect(errorPaths(expectProblem(res, 422, 'validation_failed'))).toEqual(['text']);
  });

  it('answers 422 naming content.watermark.opacity when the opacity is 0', async () => {
    const body = expectProblem(await watermark({ image: imageKey, watermark: { text: 'x', opacity: 0 } }), 422, 'validation_failed');
    expect(errorPaths(body)).toEqual(['content.watermark.opacity']);
  });

  it('answers 422 naming content.watermark.size when the mark would be under one pixel wide', async () => {
    const body = expectProblem(await watermark({ image: wideImageKey, watermark: { text: 'x', size: 0.0004 } }), 422, 'validation_failed');
    expect(body.errors).toEqual([{ path: 'content.watermark.size', code: 'too_small', message: expect.stringContaining('on this 2000 px wide image') }]);
    await post({ task_type: 'watermark', content: { image: wideImageKey, watermark: { text: 'x', size: 0.0005 } } }).expect(202);
  });

  it('measures the width after EXIF orientation', async () => {
    // 0.001 × 2000 px is 2 px (visible); × the stored 10 px it would be 0.01 px.
    await watermark({ image: rotatedImageKey, watermark: { text: 'x', size: 0.001 } }).expect(202);
  });

  it('still accepts a watermark of an image and a logo that are images', async () => {
    await watermark({ image: imageKey, watermark: { logo: imageKey, text: '© ACME' } }).expect(202);
  });
});
