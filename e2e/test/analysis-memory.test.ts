import { openAsBlob } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { analysisResultSchema, taskRecordSchema } from '@offload/contracts';
import { openStorage } from '@offload/storage';
import { SAMPLE_CATEGORIES, TEST_AMQP_URL, deleteTestTopology, tempDataDir, uniquePrefix, waitUntil, writeSampleCsv } from '@offload/test-support';
import { API_ENTRY, WORKER_ENTRY, freePort, startNode, waitForHttp, type RunningProcess } from './processes';

const ROWS = 800_000;
const MEMORY_MB = 512;
interface Generated {
  bytes: number;
  categories: Map<string, number>;
  qtySum: number;
  activeTrue: number;
}

/** The sample CSV (7 columns, a unique note per row), counting what the test checks as it goes. */
async function generateCsv(path: string, rows: number): Promise<Generated> {
  const seen: Generated = { bytes: 0, categories: new Map(), qtySum: 0, activeTrue: 0 };
  seen.bytes = await writeSampleCsv(path, rows, {
    seed: 7,
    notes: 'unique',
    onRow: ({ category, qty, active }) => {
      seen.categories.set(category, (seen.categories.get(category) ?? 0) + 1);
      seen.qtySum += qty;
      if (active) seen.activeTrue++;
    },
  });
  return seen;
}

/** Peak resident set size of a live process, in MB (Linux `VmHWM`). */
async function peakRssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const match = /^VmHWM:\s+(\d+) kB$/m.exec(status);
  if (!match?.[1]) throw new Error(`no VmHWM in /proc/${pid}/status`);
  return Number(match[1]) / 1024;
}

describe('a large dataset analysed by a worker process with a lowered memory budget', () => {
  const prefix = uniquePrefix();
  let dir: { path: string; remove: () => Promise<void> };
  let api: RunningProcess | undefined;
  let worker: RunningProcess | undefined;

  beforeAll(async () => {
    dir = await tempDataDir('offload-e2e-analysis');
  });

  afterAll(async () => {
    await worker?.stop();
    await api?.stop();
    await deleteTestTopology(prefix);
    await dir.remove();
  });

  it('profiles an ~50 MB CSV uploaded through the API, reports progress, and peaks under the budget', async () => {
    const dataDir = join(dir.path, 'data');
    const engineDir = join(dir.path, 'engine');
    await Promise.all([mkdir(dataDir), mkdir(engineDir)]);
    const csvPath = join(dir.path, 'sales.csv');
    const generated = await generateCsv(csvPath, ROWS);
    expect(generated.bytes).toBeGreaterThan(40 * 1024 * 1024);
    expect(generated.bytes).toBeLessThan(60 * 1024 * 1024);

    const env = { AMQP_URL: TEST_AMQP_URL, QUEUE_PREFIX: prefix, DATA_DIR: dataDir, LOG_LEVEL: 'warn' };
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    api = startNode(API_ENTRY, { ...env, PORT: String(port), HOST: '127.0.0.1', AUTH: 'off' });
    await waitForHttp(`${base}/readyz`);

    const form = new FormData();
    form.append('file', await openAsBlob(csvPath, { type: 'text/csv' }), 'sales.csv');
    form.append('group_by', 'category');
    const accepted = await fetch(`${base}/v1/datasets`, { method: 'POST', body: form });
    expect(accepted.status).toBe(202);
    const { id } = (await accepted.json()) as { id: string };

    const started = Date.now();
    worker = startNode(WORKER_ENTRY, {
      ...env,
      WORKER_HTTP_PORT: '0',
      WORKER_TASK_TYPES: 'analysis',
      ANALYSIS_MEMORY_MB: String(MEMORY_MB),
      ANALYSIS_TMP_DIR: engineDir,
    });
    const { pid } = worker.child;
    if (pid === undefined) throw new Error(`the worker did not start: ${worker.stderr()}`);

    // Poll the record fast, keeping every progress value seen while the task runs.
    const progressSeen: number[] = [];
    const storage = await openStorage({ dataDir });
    const finished = await waitUntil(
      async () => {
        const record = taskRecordSchema.parse(await storage.records.get(id));
        if (record.status === 'processing' && record.progress !== undefined && progressSeen.at(-1) !== record.progress) progressSeen.push(record.progress);
        return record.status === 'succeeded' || record.status === 'failed' ? record : undefined;
      },
      { intervalMs: 2, timeoutMs: 240_000, description: `analysis task ${id} to finish (worker stderr: ${worker.stderr().slice(-500)})` },
    );
    await storage.close();
    const peakMb = await peakRssMb(pid);
    const seconds = (Date.now() - started) / 1000;
    // Numbers belong to bench/; this only shows them when asked.
    if (process.env.TEST_LOG_LEVEL === 'debug') {
      process.stdout.write(`analysis-memory: ${(generated.bytes / 1024 ** 2).toFixed(1)} MB, peak RSS ${peakMb.toFixed(0)} MB, ${seconds.toFixed(1)} s, progress seen ${progressSeen.join(' ')}\n`);
    }

    expect(finished.error).toBeUndefined();
    expect(finished.status).toBe('succeeded');
    expect(finished.progress).toBe(1);
    expect(progressSeen.length).toBeGreaterThanOrEqual(1);
    for (const p of progressSeen) {
      expect(p).toBeGreaterThan(0);
      expect(p).toBeLessThan(1);
    }
    expect(peakMb).toBeLessThan(MEMORY_MB);

    const res = await fetch(`${base}/v1/tasks/${id}/result`);
    expect(res.status).toBe(200);
    const result = analysisResultSchema.parse(await res.json());
    expect(finished.result).toMatchObject({ row_count: ROWS, column_count: 7 });
    expect({ rows: result.row_count, failed: result.rows_failed }).toEqual({ rows: ROWS, failed: 0 });
    expect(result.columns.map((c) => [c.name, c.type])).toEqual([
      ['id', 'integer'],
      ['price', 'number'],
      ['qty', 'integer'],
      ['active', 'boolean'],
      ['created_at', 'timestamp'],
      ['category', 'string'],
      ['note', 'string'],
    ]);
    expect(result.columns[0]).toMatchObject({ count: ROWS, missing: 0, mean: (ROWS - 1) / 2, min: 0, max: ROWS - 1, p50: (ROWS - 1) / 2 });
    expect(result.columns[2]?.mean).toBeCloseTo(generated.qtySum / ROWS, 10);
    expect(result.columns[3]).toMatchObject({ count: ROWS, unique: 2, top: generated.activeTrue * 2 > ROWS, freq: Math.max(generated.activeTrue, ROWS - generated.activeTrue) });
    expect(result.columns[5]).toMatchObject({ count: ROWS, unique: SAMPLE_CATEGORIES.length });
    expect(result.columns[6]).toMatchObject({ unique: ROWS, freq: 1 });
    expect(result.correlation.columns).toEqual(['id', 'price', 'qty']);
    expect(result.group_by?.column).toBe('category');
    expect(result.group_by?.groups.map((g) => [g.value, g.count])).toEqual([...generated.categories].sort(([a], [b]) => (a < b ? -1 : 1)));
  });
});
