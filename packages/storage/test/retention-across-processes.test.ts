import { fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import type { TaskRecord } from '@offload/contracts';
import { createTestDatabase, tempDataDir, type TestDatabase } from '@offload/test-support';
import { openDbStorage, type DbStorage } from '../src/db/db-storage';
import { createDbUploadRegistry } from '../src/db/db-upload-registry';
import { sweepRetention, type RetentionReport } from '../src/db/retention';
import { newUploadKey } from '../src/keys';

// The helper requires the built package (`npm run build` runs before `npm test`).
const HELPER = join(__dirname, 'fixtures', 'sweep-retention.cjs');

const DAY = 24 * 60 * 60 * 1000;
const NOW = Date.parse('2030-06-01T00:00:00.000Z');
const RETENTION_MS = 7 * DAY;
const BATCH = 4;
const iso = (ms: number) => new Date(ms).toISOString();

interface Sweeper {
  ready: Promise<void>;
  /** The child's report, once it exited 0. */
  report: Promise<RetentionReport>;
  go(): void;
}

/** A sweep in a process of its own: it opens the database, says ready, and sweeps on `go`. */
function spawnSweeper(dataDir: string, recordStoreUrl: string | undefined): Sweeper {
  const child = fork(HELPER, [dataDir, String(NOW), String(RETENTION_MS), String(BATCH), ...(recordStoreUrl === undefined ? [] : [recordStoreUrl])], {
    stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const received: unknown[] = [];
  const ready = new Promise<void>((resolve, reject) => {
    child.on('message', (message) => {
      received.push(message);
      if (received.length === 1) resolve();
    });
    child.once('exit', (code) => reject(new Error(`sweeper exited with ${String(code)} before ready: ${stderr}`)));
  });
  const report = new Promise<RetentionReport>((resolve, reject) => {
    child.once('exit', (code) => {
      // The helper sends its report as it is (a RetentionReport), then exits 0.
      if (code === 0 && received.length === 2) resolve(received[1] as RetentionReport);
      else reject(new Error(`sweeper exited with ${String(code)} after ${received.length} messages: ${stderr}`));
    });
  });
  // Either promise may end unobserved when the other rejects first.
  ready.catch(() => undefined);
  report.catch(() => undefined);
  return { ready, report, go: () => child.send('go') };
}

let postgres: TestDatabase;
beforeAll(async () => {
  postgres = await createTestDatabase();
});
afterAll(async () => {
  await postgres.drop();
});

describe.each([
  ['SQLite in DATA_DIR', () => undefined],
  ['PostgreSQL', () => postgres.url],
])('retention sweeps across processes, %s', (_, url) => {
  let dir: { path: string; remove: () => Promise<void> };
  let storage: DbStorage;

  beforeEach(async () => {
    dir = await tempDataDir('offload-retention-xproc');
    storage = await openDbStorage({ dataDir: dir.path, url: url() });
    for (const table of ['tasks', 'task_uploads', 'uploads', 'blob_deletions'] as const) await storage.database.db.deleteFrom(table).execute();
  });

  afterEach(async () => {
    await storage.close();
    await dir.remove();
  });

  async function expiredRecord(i: number): Promise<TaskRecord> {
    const id = randomUUID();
    const at = iso(NOW - 8 * DAY - i);
    const record: TaskRecord = {
      id,
      task_type: 'watermark',
      status: 'succeeded',
      attempts: 1,
      created_at: at,
      updated_at: at,
      finished_at: at,
      result: { output_key: `out_${id}.png`, content_type: 'image/png' },
    };
    await storage.records.create(record);
    await storage.blobs.put(`out_${id}.png`, Buffer.from('out'));
    return record;
  }

  async function upload(createdMs: number): Promise<string> {
    const key = newUploadKey();
    await storage.blobs.put(key, Buffer.from('bytes'));
    await createDbUploadRegistry(storage.database, { now: () => createdMs }).add({ key, content_type: 'image/png', size: 5 });
    return key;
  }

  it('deletes each thing once when three processes sweep at once, and none fails', async () => {
    const records = await Promise.all(Array.from({ length: 30 }, (_, i) => expiredRecord(i)));
    const uploads = await Promise.all(Array.from({ length: 30 }, (_, i) => upload(NOW - 8 * DAY - i)));
    const kept = await upload(NOW - 30 * DAY);
    const liveAt = iso(NOW - 30 * DAY);
    await storage.records.create({ id: randomUUID(), task_type: 'watermark', status: 'queued', attempts: 0, created_at: liveAt, updated_at: liveAt }, { uploads: [kept] });
    const children = [spawnSweeper(dir.path, url()), spawnSweeper(dir.path, url())];
    await Promise.all(children.map((c) => c.ready));

    for (const c of children) c.go();
    const reports = await Promise.all([...children.map((c) => c.report), sweepRetention(storage, { retentionMs: RETENTION_MS, batchSize: BATCH, now: () => NOW })]);

    const total = (field: keyof RetentionReport) => reports.reduce((sum, r) => sum + r[field], 0);
    expect([total('records'), total('outputs'), total('uploads'), total('blob_failures')]).toEqual([30, 30, 30, 0]);
    for (const r of records) expect(await storage.records.get(r.id)).toBeUndefined();
    for (const r of records) expect(await storage.blobs.exists(`out_${r.id}.png`)).toBe(false);
    for (const key of uploads) expect(await storage.blobs.exists(key)).toBe(false);
    expect(await storage.blobs.exists(kept)).toBe(true);
    expect(await storage.database.db.selectFrom('blob_deletions').select('key').execute()).toEqual([]);
  });
});
