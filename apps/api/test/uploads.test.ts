import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { createApiHarness, type ApiHarness } from './harness';
import { UPLOAD_KEY, binaryBytes, blobFiles, errorPaths, expectProblem, testImage } from './fixtures';

const UPLOAD_MAX_BYTES = 64 * 1024;

describe('POST /v1/uploads', () => {
  let harness: ApiHarness;
  let jpeg: Buffer;

  beforeAll(async () => {
    harness = await createApiHarness({ uploadMaxBytes: UPLOAD_MAX_BYTES });
    jpeg = await testImage('jpeg');
  });

  afterAll(async () => {
    await harness.close();
  });

  const upload = () => request(harness.app).post('/v1/uploads');

  it('answers 201 with a server key, the sniffed type and the size when the client claims text/plain for a JPEG', async () => {
    const res = await upload().attach('file', jpeg, { filename: 'photo.txt', contentType: 'text/plain' }).expect(201);
    const key = (res.body as { key: string }).key;
    expect(res.body).toStrictEqual({ key, content_type: 'image/jpeg', size: jpeg.length });
    expect(key).toMatch(UPLOAD_KEY);
    expect(await harness.storage.blobs.read(key)).toEqual(jpeg);
  });

  it('reports image/png when a PNG is labelled image/jpeg', async () => {
    const png = await testImage('png');
    const res = await upload().attach('file', png, { filename: 'logo.jpg', contentType: 'image/jpeg' }).expect(201);
    expect(res.body).toEqual(expect.objectContaining({ content_type: 'image/png', size: png.length }));
  });

  it('accepts a CSV dataset as text/csv', async () => {
    const csv = Buffer.from('city,temp\nOslo,4.5\nLima,19\n');
    const res = await upload().attach('file', csv, { filename: 'data.csv', contentType: 'application/octet-stream' }).expect(201);
    expect(res.body).toEqual(expect.objectContaining({ content_type: 'text/csv', size: csv.length }));
  });

  it('issues a different key for each upload of the same bytes', async () => {
    const first = await upload().attach('file', jpeg, 'same.jpg').expect(201);
    const second = await upload().attach('file', jpeg, 'same.jpg').expect(201);
    expect((first.body as { key: string }).key).not.toBe((second.body as { key: string }).key);
  });

  it('answers 415 and keeps nothing when the file is binary that is neither image nor text', async () => {
    const before = await blobFiles(harness.dataDir);
    const res = await upload().attach('file', binaryBytes(), { filename: 'photo.jpg', contentType: 'image/jpeg' });
    expectProblem(res, 415, 'unsupported_media_type');
    expect(await blobFiles(harness.dataDir)).toEqual(before);
  });

  it('answers 413 and keeps nothing when the file is over the upload limit', async () => {
    const before = await blobFiles(harness.dataDir);
    const big = Buffer.concat([jpeg, Buffer.alloc(UPLOAD_MAX_BYTES)]);
    const res = await upload().attach('file', big, 'big.jpg');
    expectProblem(res, 413, 'payload_too_large');
    expect(await blobFiles(harness.dataDir)).toEqual(before);
  });

  it('accepts a file of exactly the upload limit', async () => {
    const exact = Buffer.concat([jpeg, Buffer.alloc(UPLOAD_MAX_BYTES - jpeg.length)]);
    const res = await upload().attach('file', exact, 'exact.jpg').expect(201);
    expect(res.body).toEqual(expect.objectContaining({ size: UPLOAD_MAX_BYTES }));
  });

  it('answers 422 naming file when the file field is missing', async () => {
    const res = await upload().field('note', 'no file here');
    expect(errorPaths(expectProblem(res, 422, 'validation_failed'))).toEqual(['file']);
  });

  it('answers 422 naming the field and keeps nothing when an extra file field is sent', async () => {
    const before = await blobFiles(harness.dataDir);
    const res = await upload().attach('file', jpeg, 'photo.jpg').attach('other', jpeg, 'other.jpg');
    expect(errorPaths(expectProblem(res, 422, 'validation_failed'))).toEqual(['other']);
    expect(await blobFiles(harness.dataDir)).toEqual(before);
  });

  it('answers 422 naming file and keeps nothing when the file field is sent twice', async () => {
    const before = await blobFiles(harness.dataDir);
    const res = await upload().attach('file', jpeg, 'one.jpg').attach('file', jpeg, 'two.jpg');
    expect(errorPaths(expectProblem(res, 422, 'validation_failed'))).toEqual(['file']);
    expect(await blobFiles(harness.dataDir)).toEqual(before);
  });

  it('answers 422 naming the field when the only file comes under another name', async () => {
    const res = await upload().attach('other', jpeg, 'other.jpg');
    expect(errorPaths(expectProblem(res, 422, 'validation_failed'))).toEqual(['other']);
  });

  it('answers 415 when the body is not multipart', async () => {
    expectProblem(await upload().send({ file: 'aGVsbG8=' }), 415, 'unsupported_media_type');
    expectProblem(await upload().set('Content-Type', 'image/jpeg').send(jpeg), 415, 'unsupported_media_type');
  });

  it('ignores path tricks in the filename: the key is server-made and nothing is written outside blobs', async () => {
    const before = await blobFiles(harness.dataDir);
    const res = await upload().attach('file', jpeg, { filename: '../../x.jpg', contentType: 'image/jpeg' }).expect(201);
    const key = (res.body as { key: string }).key;
    expect(key).toMatch(UPLOAD_KEY);
    expect(await blobFiles(harness.dataDir)).toEqual([...before, key].sort());
    expect((await readdir(harness.dataDir)).filter((f) => !f.startsWith('offload.db')).sort()).toEqual(['blobs']);
    for (const dir of [harness.dataDir, dirname(harness.dataDir), join(harness.dataDir, 'blobs')]) {
      expect(existsSync(join(dir, 'x.jpg'))).toBe(false);
    }
  });
});
