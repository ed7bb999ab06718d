import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import type { TaskRecord } from '@offload/contracts';
import { createTestDatabase, tempDataDir, type TestDatabase } from '@offload/test-support';
import { newUploadKey } from '../keys';
import { openDbStorage, type DbStorage } from './db-storage';
import { createDbUploadRegistry } from './db-upload-registry';
import { outputKeys, sweepRetention, type RetentionReport } from './retention';

const DAY = 24 * 60 * 60 * 1000;
/** The sweep's clock: every time below is relative to it. */
const NOW = Date.parse('2030-06-01T00:00:00.000Z');
const RETENTION_MS = 7 * DAY;
const iso = (ms: number) => new Date(ms).toISOString();

function live(createdMs = NOW - 30 * DAY): TaskRecord {
  return { id: randomUUID(), task_type: 'thumbnail', status: 'processing', attempts: 1, created_at: iso(createdMs), updated_at: iso(createdMs), started_at: iso(createdMs) };
}

/** A succeeded record with a manifest and one rendition, finished at `finishedMs`. */
function succeeded(finishedMs: number): TaskRecord {
  const id = randomUUID();
  const outputs = [{ name: 'w320', output_key: `out_${id}.w320.webp`, content_type: 'image/webp', bytes: 1 }];
  return {
    ...live(finishedMs - DAY),
    id,
    status: 'succeeded',
    updated_at: iso(finishedMs),
    finished_at: iso(finishedMs),
    result: { output_key: `out_${id}.json`, content_type: 'application/json', outputs },
  };
}

function failed(finishedMs: number): TaskRecord {
  return { ...live(finishedMs - DAY), status: 'failed', updated_at: iso(finishedMs), finished_at: iso(finishedMs), error: { code: 'corrupt_image', message: 'x' } };
}

const ZERO: RetentionReport = { records: 0, outputs: 0, uploads: 0, idempotency_keys: 0, workers: 0, leftover_blobs: 0, blob_failures: 0 };

describe.each([
  ['SQLite', () => Promise.resolve(undefined)],
  ['PostgreSQL', async () => (await createTestDatabase()) as TestDatabase | undefined],
])('sweepRetention on %s', (_name, makeServer) => {
  let server: TestDatabase | undefined;
  let dir: { path: string; remove: () => Promise<void> };
  let storage: DbStorage;

  const sweep = (options: { batchSize?: number } = {}) =>
    sweepRetention(storage, { retentionMs: RETENTION_MS, now: () => NOW, ...(options.batchSize === undefined ? {} : { batchSize: options.batchSize }) });
  const exists = (key: string) => storage.blobs.exists(key);

  /** Stores an upload (its row dated `createdMs`, and its blob). */
  async function upload(createdMs: number): Promise<string> {
    const key = newUploadKey();
    await storage.blobs.put(key, Buffer.from('bytes'));
    await createDbUploadRegistry(storage.database, { now: () => createdMs }).add({ key, content_type: 'image/png', size: 5 });
    return key;
  }

  /** Creates the record, with the blobs its result names. */
  async function create(record: TaskRecord, uploads: string[] = []): Promise<TaskRecord> {
    await storage.records.create(record, { uploads });
    for (const key of outputKeys(record.id, JSON.stringify(record))) await storage.blobs.put(key, Buffer.from('out'));
    return record;
  }

  beforeAll(async () => {
    server = await makeServer();
    dir = await tempDataDir('offload-retention');
    storage = await openDbStorage({ dataDir: dir.path, ...(server === undefined ? {} : { url: server.url }) });
  });

  afterAll(async () => {
    await storage.close();
    await server?.drop();
    await dir.remove();
  });

  beforeEach(async () => {
    for (const table of ['tasks', 'task_uploads', 'uploads', 'blob_deletions', 'idempotency_keys', 'workers'] as const) {
      await storage.database.db.deleteFrom(table).execute();
    }
  });

  it('deletes finished records past retention with their outputs, and keeps recent and live ones', async () => {
    const expired = await create(succeeded(NOW - 8 * DAY));
    const expiredFailure = await create(failed(NOW - 30 * DAY));
    const recent = await create(succeeded(NOW - 6 * DAY));
    const running = await create(live(NOW - 90 * DAY));

    expect(await sweep()).toEqual({ ...ZERO, records: 2, outputs: 2 });

    expect(await storage.records.get(expired.id)).toBeUndefined();
    expect(await storage.records.get(expiredFailure.id)).toBeUndefined();
    expect(await exists(`out_${expired.id}.json`)).toBe(false);
    expect(await exists(`out_${expired.id}.w320.webp`)).toBe(false);
    expect(await storage.records.get(recent.id)).toEqual(recent);
    expect(await exists(`out_${recent.id}.json`)).toBe(true);
    expect(await exists(`out_${recent.id}.w320.webp`)).toBe(true);
    expect(await storage.records.get(running.id)).toEqual(running);
  });

  it("keeps a live task's upload although it is older than retention", async () => {
    const key = await upload(NOW - 30 * DAY);
    await create(live(NOW - 30 * DAY), [key]);

    expect(await sweep()).toEqual(ZERO);
    expect(await exists(key)).toBe(true);
  });

  it('keeps an upload that an expired and a live task share, and deletes the expired record', async () => {
    const key = await upload(NOW - 30 * DAY);
    const expired = await create(failed(NOW - 20 * DAY), [key]);
    await create(live(), [key]);

    expect(await sweep()).toEqual({ ...ZERO, records: 1 });
    expect(await storage.records.get(expired.id)).toBeUndefined();
    expect(await exists(key)).toBe(true);
  });

  it('keeps an old upload that a record within retention names', async () => {
    const key = await upload(NOW - 30 * DAY);
    await create(succeeded(NOW - DAY), [key]);

    expect(await sweep()).toEqual(ZERO);
    expect(await exists(key)).toBe(true);
  });

  it('deletes an old upload that no task ever named or only expired records name, and keeps a recent one', async () => {
    const unused = await upload(NOW - 8 * DAY);
    const usedByExpired = await upload(NOW - 30 * DAY);
    await create(succeeded(NOW - 10 * DAY), [usedByExpired]);
    const recent = await upload(NOW - 6 * DAY);

    expect(await sweep()).toEqual({ ...ZERO, records: 1, outputs: 2, uploads: 2 });
    expect(await exists(unused)).toBe(false);
    expect(await exists(usedByExpired)).toBe(false);
    expect(await exists(recent)).toBe(true);
    expect(await sweep()).toEqual(ZERO);
  });

  it('links the uploads of a create whose record already exists (another process created it first)', async () => {
    const key = await upload(NOW - 30 * DAY);
    const task = live();
    await expect(storage.records.create(task)).resolves.toBe(true);
    await expect(storage.records.create(task, { uploads: [key] })).resolves.toBe(false);

    expect(await sweep()).toEqual(ZERO);
    expect(await exists(key)).toBe(true);
  });

  it('deletes expired Idempotency-Keys and keeps live ones', async () => {
    const entry = (expiresMs: number) => ({ fingerprint: 'f', task_id: randomUUID(), created_at: iso(expiresMs - DAY), expires_at: iso(expiresMs) });
    await storage.idempotency.exclusive('expired', () => Promise.resolve({ value: undefined, store: entry(Date.now() - 1_000) }));
    await storage.idempotency.exclusive('live', () => Promise.resolve({ value: undefined, store: entry(Date.now() + DAY) }));

    expect(await sweep()).toEqual({ ...ZERO, idempotency_keys: 1 });
    await expect(storage.idempotency.exclusive('live', (found) => Promise.resolve({ value: found?.fingerprint }))).resolves.toBe('f');
    expect(await storage.database.db.selectFrom('idempotency_keys').select('key_hash').execute()).toHaveLength(1);
  });

  it('deletes worker rows silent for over a day and keeps the others', async () => {
    const beat = (beatMs: number) => ({ id: randomUUID(), host: 'h', pid: 1, version: '1', taskTypes: ['watermark'], concurrency: 1, runningTaskIds: [], startedMs: beatMs, beatMs, beatIntervalMs: 5_000 });
    await storage.workers.beat(beat(NOW - 2 * DAY));
    await storage.workers.beat(beat(NOW - 60_000));

    expect(await sweep()).toEqual({ ...ZERO, workers: 1 });
    expect(await storage.workers.list()).toHaveLength(1);
  });

  it('counts an output already gone as deleted', async () => {
    const expired = succeeded(NOW - 8 * DAY);
    await storage.records.create(expired);

    expect(await sweep()).toEqual({ ...ZERO, records: 1, outputs: 2 });
  });

  it('finishes the blob deletions a sweep that stopped half-way left in the journal, once their claim ran out', async () => {
    const key = await upload(NOW - 30 * DAY);
    await storage.database.db.deleteFrom('uploads').execute();
    await storage.database.db.insertInto('blob_deletions').values({ key, due_ms: NOW - 1 }).execute();
    const claimed = `out_${randomUUID()}.png`;
    await storage.blobs.put(claimed, Buffer.from('out'));
    await storage.database.db.insertInto('blob_deletions').values({ key: claimed, due_ms: NOW + 60_000 }).execute();

    expect(await sweep()).toEqual({ ...ZERO, leftover_blobs: 1 });
    expect(await exists(key)).toBe(false);
    // Still claimed by the sweep that wrote it, which may be deleting it right now.
    expect(await exists(claimed)).toBe(true);
    expect(await storage.database.db.selectFrom('blob_deletions').select('key').execute()).toEqual([{ key: claimed }]);
  });

  it('deletes nothing when its signal is already aborted', async () => {
    await create(succeeded(NOW - 8 * DAY));
    await upload(NOW - 8 * DAY);
    const controller = new AbortController();
    controller.abort();

    await expect(sweepRetention(storage, { retentionMs: RETENTION_MS, now: () => NOW, signal: controller.signal })).resolves.toEqual(ZERO);
  });

  it('deletes each thing once when sweeps of one process overlap (other processes: test/retention-across-processes)', async () => {
    const records = await Promise.all(Array.from({ length: 30 }, (_, i) => create(i % 2 === 0 ? succeeded(NOW - 8 * DAY - i) : failed(NOW - 8 * DAY - i))));
    const uploads = await Promise.all(Array.from({ length: 30 }, (_, i) => upload(NOW - 8 * DAY - i)));

    const reports = await Promise.all([sweep({ batchSize: 4 }), sweep({ batchSize: 4 })]);

    const total = (field: keyof RetentionReport) => reports.reduce((sum, r) => sum + r[field], 0);
    expect([total('records'), total('outputs'), total('uploads'), total('blob_failures')]).toEqual([30, 30, 30, 0]);
    for (const r of records) expect(await storage.records.get(r.id)).toBeUndefined();
    for (const key of uploads) expect(await exists(key)).toBe(false);
  });
});

describe('outputKeys', () => {
  const id = '7f0c2a4e-5b1d-4c3e-9a8f-0123456789ab';

  it("takes the result's output and named outputs that belong to the task", () => {
    const record = { result: { output_key: `out_${id}.json`, outputs: [{ output_key: `out_${id}.w320.webp` }, { output_key: `out_${id}.json` }] } };
    expect(outputKeys(id, JSON.stringify(record))).toEqual([`out_${id}.json`, `out_${id}.w320.webp`]);
  });

  it("leaves keys that are not the task's own outputs", () => {
    const other = 'a0a1a2a3-b4b5-4c6c-8d7d-e8e9eaebeced';
    const record = { result: { output_key: `up_${'0'.repeat(32)}`, outputs: [{ output_key: `out_${other}.png` }, { output_key: `out_${id}.../../x` }, 7] } };
    expect(outputKeys(id, JSON.stringify(record))).toEqual([]);
  });

  it('finds nothing in a record without a result, or in text that is not JSON', () => {
    expect(outputKeys(id, JSON.stringify({ status: 'failed' }))).toEqual([]);
    expect(outputKeys(id, '{not json')).toEqual([]);
  });
});
