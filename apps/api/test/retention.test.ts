import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { RecordStoreUnavailableError, sweepRetention } from '@offload/storage';
import { createApiHarness, type ApiHarness } from './harness';
import { blobFiles, expectProblem, testImage } from './fixtures';

const DAY = 24 * 60 * 60 * 1000;

describe('uploads and retention', () => {
  let harness: ApiHarness;
  let jpeg: Buffer;
  let png: Buffer;

  beforeAll(async () => {
    harness = await createApiHarness();
    jpeg = await testImage('jpeg');
    png = await testImage('png');
  });

  afterAll(async () => {
    await harness.close();
  });

  const db = () => harness.opened.database.db;
  const uploadRow = (key: string) => db().selectFrom('uploads').select(['key', 'content_type', 'size']).where('key', '=', key).executeTakeFirst();
  const linksOf = (taskId: string) => db().selectFrom('task_uploads').select('upload_key').where('task_id', '=', taskId).orderBy('upload_key').execute();
  const upload = async (bytes: Buffer) => ((await request(harness.app).post('/v1/uploads').attach('file', bytes, 'f').expect(201)).body as { key: string }).key;

  it('records an upload of POST /v1/uploads with its sniffed type and size', async () => {
    const key = await upload(jpeg);
    expect(await uploadRow(key)).toEqual({ key, content_type: 'image/jpeg', size: jpeg.length });
  });

  it('links the uploads a JSON task names to the task', async () => {
    const image = await upload(jpeg);
    const logo = await upload(png);

    const res = await request(harness.app)
      .post('/v1/tasks')
      .send({ task_type: 'watermark', content: { image, watermark: { text: 'x', logo } } })
      .expect(202);

    expect(await linksOf((res.body as { id: string }).id)).toEqual([image, logo].sort().map((upload_key) => ({ upload_key })));
  });

  it('records the files of a form and links them to its task', async () => {
    const res = await request(harness.app).post('/v1/images').attach('image', jpeg, 'photo.jpg').attach('logo', png, 'logo.png').expect(202);

    const links = await linksOf((res.body as { id: string }).id);
    expect(links).toHaveLength(2);
    const rows = await Promise.all(links.map((l) => uploadRow(l.upload_key)));
    expect(rows.map((r) => r?.content_type).sort()).toEqual(['image/jpeg', 'image/png']);
  });

  it("keeps an accepted task's upload and deletes an unused one once both are past retention", async () => {
    const used = await upload(jpeg);
    const unused = await upload(jpeg);
    const res = await request(harness.app).post('/v1/tasks').send({ task_type: 'thumbnail', content: { image: used, widths: [16] } }).expect(202);

    const report = await sweepRetention(harness.opened, { retentionMs: DAY, now: () => Date.now() + 2 * DAY });

    expect(report.uploads).toBeGreaterThanOrEqual(1);
    expect(await harness.storage.blobs.exists(used)).toBe(true);
    expect(await harness.storage.blobs.exists(unused)).toBe(false);
    expect(await uploadRow(unused)).toBeUndefined();
    await request(harness.app).get(`/v1/tasks/${(res.body as { id: string }).id}`).expect(200);
  });
});

describe('an upload that cannot be recorded', () => {
  let harness: ApiHarness;

  beforeAll(async () => {
    harness = await createApiHarness({ wrapUploads: (uploads) => ({ ...uploads, add: () => Promise.reject(new RecordStoreUnavailableError(new Error('database away'))) }) });
  });

  afterAll(async () => {
    await harness.close();
  });

  it('answers 503 store_unavailable and keeps no file', async () => {
    const res = await request(harness.app).post('/v1/uploads').attach('file', await testImage('jpeg'), 'photo.jpg');

    expectProblem(res, 503, 'store_unavailable');
    expect(res.headers['retry-after']).toBeDefined();
    expect(await blobFiles(harness.dataDir)).toEqual([]);
  });
});
