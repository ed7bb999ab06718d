import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { createApiHarness, type ApiHarness } from './harness';
import { UPLOAD_KEY, UUID, binaryBytes, blobFiles, errorPaths, expectProblem, messageBody, openQueueReader, testImage, type QueueReader } from './fixtures';

const DATASET_MAX_BYTES = 4 * 1024;
const CSV = Buffer.from('id;price;qty;category\n1;2.5;3;a\n2;4;1;b\n');

interface AnalysisMessage {
  task_type: string;
  content: Record<string, unknown> & { dataset: string };
}

describe('POST /v1/datasets', () => {
  let harness: ApiHarness;
  let queues: QueueReader;

  beforeAll(async () => {
    harness = await createApiHarness({ datasetMaxBytes: DATASET_MAX_BYTES });
    queues = await openQueueReader();
  });

  afterAll(async () => {
    await queues.close();
    await harness.close();
  });

  const post = () => request(harness.app).post('/v1/datasets');

  async function queued(res: request.Response): Promise<AnalysisMessage> {
    const id = (res.body as { id: string }).id;
    const message = await queues.take(harness.topology.workQueues.analysis, id);
    return messageBody(message) as unknown as AnalysisMessage;
  }

  it('answers 202 and queues every option as a typed value next to a stored dataset key', async () => {
    const res = await post()
      .attach('file', CSV, { filename: 'sales.csv', contentType: 'text/csv' })
      .field('format', 'csv')
      .field('delimiter', ';')
      .field('columns', 'price, qty,category')
      .field('group_by', 'category')
      .field('histogram_bins', '5')
      .expect(202);
    const id = (res.body as { id: string }).id;
    expect(id).toMatch(UUID);
    expect(res.body).toStrictEqual({ id, task_type: 'analysis', status: 'queued', links: { self: `/v1/tasks/${id}`, result: `/v1/tasks/${id}/result` } });
    expect(res.headers.location).toBe(`/v1/tasks/${id}`);

    const body = await queued(res);
    expect(body.task_type).toBe('analysis');
    expect(body.content).toStrictEqual({
      dataset: expect.stringMatching(UPLOAD_KEY),
      format: 'csv',
      delimiter: ';',
      columns: ['price', 'qty', 'category'],
      group_by: 'category',
      histogram_bins: 5,
    });
    expect(await harness.storage.blobs.read(body.content.dataset)).toEqual(CSV);
    expect((await harness.storage.records.get(id))?.status).toBe('queued');
  });

  it('queues the default of 10 histogram bins and nothing else when only the file is sent', async () => {
    const body = await queued(await post().attach('file', CSV, 'data.csv').expect(202));
    expect(body.content).toStrictEqual({ dataset: expect.stringMatching(UPLOAD_KEY), histogram_bins: 10 });
  });

  it.each([
    ['a TSV file', 'a\tb\n1\t2\n', 'data.tsv'],
    ['a JSON array', '[{"a":1}]', 'data.json'],
    ['an NDJSON file with a BOM', '\ufeff{"a":1}\n{"a":2}\n', 'data.ndjson'],
  ])('accepts %s', async (_name, text, filename) => {
    const body = await queued(await post().attach('file', Buffer.from(text), filename).expect(202));
    expect(await harness.storage.blobs.read(body.content.dataset)).toEqual(Buffer.from(text));
  });

  it('answers 415 and deletes the upload when the file is an image', async () => {
    const before = await blobFiles(harness.dataDir);
    const res = await post().attach('file', await testImage('png'), { filename: 'data.csv', contentType: 'text/csv' }).field('group_by', 'a');
    expectProblem(res, 415, 'unsupported_media_type');
    expect(await blobFiles(harness.dataDir)).toEqual(before);
  });

  it('answers 415 and deletes the upload when the file is binary', async () => {
    const before = await blobFiles(harness.dataDir);
    expectProblem(await post().attach('file', binaryBytes(), 'data.csv'), 415, 'unsupported_media_type');
    expect(await blobFiles(harness.dataDir)).toEqual(before);
  });

  it('answers 413 and keeps nothing when the file is over the dataset limit', async () => {
    const before = await blobFiles(harness.dataDir);
    const big = Buffer.from(`a,b\n${'1,2\n'.repeat(DATASET_MAX_BYTES / 4 + 1)}`);
    expectProblem(await post().attach('file', big, 'big.csv').field('histogram_bins', '5'), 413, 'payload_too_large');
    expect(await blobFiles(harness.dataDir)).toEqual(before);
  });

  it('answers 422 with one error per bad field, by field name, and deletes the upload', async () => {
    const before = await blobFiles(harness.dataDir);
    const res = await post().attach('file', CSV, 'data.csv').field('histogram_bins', '0').field('format', 'xml').field('colour', 'red');
    const body = expectProblem(res, 422, 'validation_failed');
    expect(errorPaths(body)).toEqual(['colour', 'format', 'histogram_bins']);
    expect(await blobFiles(harness.dataDir)).toEqual(before);
  });

  it.each([
    ['histogram_bins is not a number', 'histogram_bins', 'many'],
    ['histogram_bins is not an integer', 'histogram_bins', '2.5'],
    ['histogram_bins is over 1000', 'histogram_bins', '1001'],
    ['the delimiter is two characters', 'delimiter', ';;'],
    ['columns names no column', 'columns', ' , '],
    ['group_by is empty', 'group_by', ''],
  ])('answers 422 naming the field when %s', async (_name, field, value) => {
    const res = await post().attach('file', CSV, 'data.csv').field(field, value);
    expect(errorPaths(expectProblem(res, 422, 'validation_failed'))).toEqual([field]);
  });

  it('answers 422 naming rows when inline rows come as a text field', async () => {
    const res = await post().attach('file', CSV, 'data.csv').field('rows', '[]');
    expect(errorPaths(expectProblem(res, 422, 'validation_failed'))).toEqual(['rows']);
  });

  it('analyses the uploaded file even when a dataset text field names another upload', async () => {
    const other = (await post().attach('file', CSV, 'first.csv').expect(202)).body as { id: string };
    const first = messageBody(await queues.take(harness.topology.workQueues.analysis, other.id)) as unknown as AnalysisMessage;
    const body = await queued(await post().field('dataset', first.content.dataset).attach('file', Buffer.from('x\n1\n'), 'second.csv').expect(202));
    expect(body.content.dataset).toMatch(UPLOAD_KEY);
    expect(body.content.dataset).not.toBe(first.content.dataset);
    expect(await harness.storage.blobs.read(body.content.dataset)).toEqual(Buffer.from('x\n1\n'));
  });

  it('answers 422 naming file when the file part is missing', async () => {
    const res = await post().field('format', 'csv');
    expect(errorPaths(expectProblem(res, 422, 'validation_failed'))).toEqual(['file']);
  });

  it('answers 415 when the body is JSON rather than multipart', async () => {
    expectProblem(await post().send({ rows: [] }), 415, 'unsupported_media_type');
  });
});

describe('POST /v1/tasks with an analysis', () => {
  let harness: ApiHarness;
  let queues: QueueReader;
  let datasetKey: string;

  beforeAll(async () => {
    harness = await createApiHarness();
    queues = await openQueueReader();
    const upload = await request(harness.app).post('/v1/uploads').attach('file', CSV, 'data.csv').expect(201);
    datasetKey = (upload.body as { key: string }).key;
  });

  afterAll(async () => {
    await queues.close();
    await harness.close();
  });

  const post = (content: unknown) => request(harness.app).post('/v1/tasks').send({ task_type: 'analysis', content });

  it('answers 422 naming content.dataset when both rows and a dataset are given', async () => {
    const body = expectProblem(await post({ dataset: datasetKey, rows: [{ a: 1 }] }), 422, 'validation_failed');
    expect(errorPaths(body)).toEqual(['content.dataset']);
  });

  it('answers 422 naming content.dataset when neither rows nor a dataset is given', async () => {
    expect(errorPaths(expectProblem(await post({ histogram_bins: 5 }), 422, 'validation_failed'))).toEqual(['content.dataset']);
  });

  it('answers 202 and queues inline rows as they were sent', async () => {
    const rows = [{ a: 1, b: 'x', c: true, d: null }];
    const res = await post({ rows, group_by: 'b' }).expect(202);
    const id = (res.body as { id: string }).id;
    const body = messageBody(await queues.take(harness.topology.workQueues.analysis, id)) as unknown as AnalysisMessage;
    expect(body.content).toStrictEqual({ rows, group_by: 'b', histogram_bins: 10 });
  });
});
