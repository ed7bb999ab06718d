import { readdir } from 'node:fs/promises';
import sharp from 'sharp';
import { analysisResultSchema, type AnalysisResult, type TaskInput } from '@offload/contracts';
import { newUploadKey } from '@offload/storage';
import { tempDataDir } from '@offload/test-support';
import type { AnalysisLimits } from '../src/analysis/profile-dataset';
import { analysisHandler } from '../src/handlers/analysis';
import { createWorkerHarness, type WorkerHarness } from './harness';

type AnalysisContentInput = Extract<TaskInput, { task_type: 'analysis' }>['content'];

describe('analysis tasks on a worker', () => {
  let h: WorkerHarness;
  let engineDir: { path: string; remove: () => Promise<void> };

  beforeAll(async () => {
    engineDir = await tempDataDir('offload-analysis-engine');
    const limits: AnalysisLimits = { memoryLimitMb: 256, threads: 2, tempDir: engineDir.path, maxColumns: 100, maxCorrelationColumns: 20, maxGroups: 50 };
    h = await createWorkerHarness({ handlers: { analysis: analysisHandler(limits) }, taskTypes: ['analysis'], maxAttempts: 3 });
    await h.startWorker();
  });
  afterAll(async () => {
    await h.close();
    await engineDir.remove();
  });

  async function upload(bytes: string | Buffer): Promise<string> {
    const key = newUploadKey();
    await h.storage.blobs.put(key, Buffer.from(bytes));
    return key;
  }

  const analyse = (content: Partial<AnalysisContentInput>) => h.submit({ task_type: 'analysis', content: { histogram_bins: 10, ...content } });

  async function storedResult(outputKey: string): Promise<AnalysisResult> {
    return analysisResultSchema.parse(JSON.parse((await h.storage.blobs.read(outputKey)).toString('utf8')));
  }

  it('profiles inline rows and stores the analysis JSON under the task id', async () => {
    const rows = [
      { city: 'Oslo', temp: 3.5, rain: true },
      { city: 'Lima', temp: 19, rain: false },
      { city: 'Oslo', temp: null, rain: true },
    ];
    const id = await analyse({ rows, group_by: 'city' });
    const record = await h.waitForStatus(id, ['succeeded', 'failed']);
    expect(record.status).toBe('succeeded');
    expect(record.attempts).toBe(1);
    expect(record.progress).toBe(1);
    expect(record.result).toEqual({ output_key: `out_${id}.json`, content_type: 'application/json', row_count: 3, column_count: 3, bytes: expect.any(Number) });
    const result = await storedResult(`out_${id}.json`);
    expect(result.format).toBe('ndjson');
    expect(result.columns.map((c) => [c.name, c.type, c.count, c.missing])).toEqual([
      ['city', 'string', 3, 0],
      ['temp', 'number', 2, 1],
      ['rain', 'boolean', 3, 0],
    ]);
    expect(result.group_by).toEqual({
      column: 'city',
      groups: [
        { value: 'Lima', count: 1, means: { temp: 19 } },
        { value: 'Oslo', count: 2, means: { temp: 3.5 } },
      ],
    });
  });

  it('profiles every inline column whatever its name, __proto__ and Object.prototype names included', async () => {
    // As a client's JSON body arrives: JSON.parse makes `__proto__` an own key like any other.
    const rows = JSON.parse('[{"__proto__": 1, "constructor": "a", "toString": 2.5, "g": "x"}, {"__proto__": 3, "constructor": "b", "toString": 0.5, "g": "x"}]') as Record<string, number | string>[];
    const id = await analyse({ rows, group_by: 'g' });
    const record = await h.waitForStatus(id, ['succeeded', 'failed']);
    expect(record.status).toBe('succeeded');
    const result = await storedResult(`out_${id}.json`);
    expect(result.columns.map((c) => [c.name, c.type, c.count])).toEqual([
      ['__proto__', 'integer', 2],
      ['constructor', 'string', 2],
      ['toString', 'number', 2],
      ['g', 'string', 2],
    ]);
    expect(result.columns[0]).toMatchObject({ mean: 2, min: 1, max: 3 });
    expect(result.correlation.columns).toEqual(['__proto__', 'toString']);
    const [group] = result.group_by?.groups ?? [];
    expect(Object.entries(group?.means ?? {})).toEqual([
      ['__proto__', 2],
      ['toString', 1.5],
    ]);
  });

  it('loses no column whose name the engine has to rename (empty, or equal to another but for case)', async () => {
    const id = await analyse({ rows: [{ '': 1, a: 2, A: 'x' }] });
    const record = await h.waitForStatus(id, ['succeeded', 'failed']);
    expect(record.result).toMatchObject({ row_count: 1, column_count: 3 });
    const result = await storedResult(`out_${id}.json`);
    expect(result.columns.map((c) => [c.type, c.count])).toEqual([
      ['integer', 1],
      ['integer', 1],
      ['string', 1],
    ]);
    expect(result.columns[1]?.name).toBe('a');
  });

  it('reads missing tokens in inline rows as CSV does, and reports mixed values as text', async () => {
    const rows = [
      { n: 1, mixed: 'NA' },
      { n: 'NA', mixed: 'x' },
      { n: 3, mixed: 'two' },
      { n: 'N/A', mixed: 1 },
    ];
    const id = await analyse({ rows });
    expect((await h.waitForStatus(id, ['succeeded', 'failed'])).status).toBe('succeeded');
    const result = await storedResult(`out_${id}.json`);
    expect(result.columns).toEqual([
      expect.objectContaining({ name: 'n', type: 'integer', count: 2, missing: 2, mean: 2, min: 1, max: 3 }),
      { name: 'mixed', type: 'string', count: 3, missing: 1, unique: 3, top: '1', freq: 1 },
    ]);
  });

  it('profiles rows: [] as an empty dataset, as it does an empty upload', async () => {
    const id = await analyse({ rows: [] });
    const record = await h.waitForStatus(id, ['succeeded', 'failed']);
    expect(record.result).toMatchObject({ row_count: 0, column_count: 0 });
  });

  it('profiles an uploaded CSV with the options it is given', async () => {
    const csv = 'id,price,category\n1,2.5,a\n2,3.5,b\n3,,a\n4,6,a\n';
    const id = await analyse({ dataset: await upload(csv), columns: ['price', 'category'], histogram_bins: 2, format: 'csv', delimiter: ',' });
    const record = await h.waitForStatus(id, ['succeeded', 'failed']);
    expect(record.status).toBe('succeeded');
    expect(record.result).toEqual({ output_key: `out_${id}.json`, content_type: 'application/json', row_count: 4, column_count: 2, bytes: expect.any(Number) });
    const result = await storedResult(`out_${id}.json`);
    expect(record.result?.bytes).toBe(Buffer.byteLength(JSON.stringify(result)));
    expect(result.columns.find((c) => c.name === 'price')).toMatchObject({ count: 3, missing: 1, mean: 4, min: 2.5, max: 6, histogram: { edges: [2.5, 4.25, 6], counts: [2, 1] } });
    expect(result.columns.find((c) => c.name === 'category')).toMatchObject({ unique: 2, top: 'a', freq: 3 });
  });

  it('profiles an uploaded NDJSON file detected from its bytes', async () => {
    const id = await analyse({ dataset: await upload('{"a":1}\n{"a":3}\n') });
    const record = await h.waitForStatus(id, ['succeeded', 'failed']);
    expect(record.result).toMatchObject({ row_count: 2, column_count: 1 });
    expect((await storedResult(`out_${id}.json`)).columns[0]).toMatchObject({ name: 'a', type: 'integer', mean: 2 });
  });

  it('fails a malformed dataset once with invalid_dataset, without retrying', async () => {
    const id = await analyse({ dataset: await upload('[{"a":1},{"a":') });
    const record = await h.waitForStatus(id, ['failed']);
    expect(record.error?.code).toBe('invalid_dataset');
    expect(record.attempts).toBe(1);
    expect(await h.storage.blobs.exists(`out_${id}.json`)).toBe(false);
  });

  it('fails an image upload once, naming the upload and never a server path or engine message', async () => {
    const key = await upload(await sharp({ create: { width: 4, height: 4, channels: 3, background: '#fff' } }).png().toBuffer());
    for (const format of [undefined, 'csv' as const, 'json' as const]) {
      const id = await analyse({ dataset: key, ...(format === undefined ? {} : { format }) });
      const record = await h.waitForStatus(id, ['failed']);
      expect(record.error).toEqual({ code: 'invalid_dataset', message: `the upload ${key} is an image (PNG), not a dataset: analysis reads CSV, TSV, JSON or NDJSON text in UTF-8` });
      expect(record.attempts).toBe(1);
    }
  });

  it('names the upload and the line of a malformed NDJSON upload, and never the blob path', async () => {
    const key = await upload('{"a":1}\n{"a":x}\n');
    const id = await analyse({ dataset: key });
    const record = await h.waitForStatus(id, ['failed']);
    expect(record.error).toEqual({ code: 'invalid_dataset', message: `the upload ${key} could not be read as NDJSON: line 2 is not valid JSON` });
    expect(record.error?.message).not.toContain(h.dataDir);
  });

  it('fails once with limit_exceeded when the dataset has too many columns', async () => {
    const header = Array.from({ length: 101 }, (_, i) => `c${i}`).join(',');
    const id = await analyse({ dataset: await upload(`${header}\n`) });
    const record = await h.waitForStatus(id, ['failed']);
    expect(record.error?.code).toBe('limit_exceeded');
    expect(record.attempts).toBe(1);
  });

  it('fails once with invalid_dataset when group_by names no column', async () => {
    const id = await analyse({ rows: [{ a: 1 }], group_by: 'b' });
    const record = await h.waitForStatus(id, ['failed']);
    expect(record.error).toEqual({ code: 'invalid_dataset', message: expect.stringContaining('"b"') });
    expect(record.attempts).toBe(1);
  });

  it('fails with missing_upload when the dataset key was never stored', async () => {
    const id = await analyse({ dataset: newUploadKey() });
    const record = await h.waitForStatus(id, ['failed']);
    expect(record.error?.code).toBe('missing_upload');
    expect(record.attempts).toBe(1);
  });

  it('leaves no scratch files or engine databases behind', async () => {
    expect(await readdir(engineDir.path)).toEqual([]);
  });
});
