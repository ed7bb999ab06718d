// The analysis measurement shared by bench/analysis.ts (its own CLI) and the suite's row 4: the
// BUILT worker profiles a generated CSV (submitted through the BUILT API as an upload key), beside
// DuckDB alone on the same file in its own process with the same memory limit, interleaved.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { link, mkdir, mkdtemp, rename, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deleteTestTopology, writeSampleCsv } from '@offload/test-support';
import { ROOT, OUT_DIR, stopChild, waitFor } from './child';
import { peakRssMb } from './process-stats';
import { startApi, startWorker } from './services';

export interface AnalysisRun {
  seconds: number;
  peakMb: number;
}

export interface AnalysisMeasurement {
  rows: number;
  csvMb: number;
  memoryMb: number;
  generatedSeconds?: number;
  offload: AnalysisRun[];
  exact: AnalysisRun[];
  summarize: AnalysisRun[];
}

export interface AnalysisOptions {
  rows: number;
  runs: number;
  /** ANALYSIS_MEMORY_MB of the worker; DuckDB alone gets the same engine limit (35 %). */
  memoryMb: number;
  /** Also time DuckDB's approximate SUMMARIZE (bench/analysis.ts does; the suite does not). */
  summarize: boolean;
  /** A DATA_DIR to use (the suite's aged one); default: a temp one, removed after. */
  dataDir?: string;
  profileDir?: string;
  log(line: string): void;
}

/** Runs a child to its end while sampling its peak RSS; returns the last line it printed. */
function runSampled(entry: string, args: string[]): Promise<{ lastLine: string; peakMb: number }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', entry, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    let peakMb = 0;
    const timer = setInterval(() => {
      if (child.pid) peakRssMb(child.pid).then((mb) => (peakMb = Math.max(peakMb, mb)), () => undefined);
    }, 100);
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.on('exit', (code) => {
      clearInterval(timer);
      if (code === 0) done({ lastLine: stdout.trimEnd().split('\n').at(-1) ?? '', peakMb });
      else fail(new Error(`${entry} ${args.join(' ')} exited ${code}`));
    });
  });
}

async function engineAlone(csv: string, memoryMb: number, mode: 'exact' | 'summarize'): Promise<AnalysisRun> {
  const r = await runSampled(join(ROOT, 'bench/lib/engine-alone.ts'), [csv, String(Math.floor(memoryMb * 0.35)), mode]);
  return { seconds: (JSON.parse(r.lastLine) as { seconds: number }).seconds, peakMb: r.peakMb };
}

export async function measureAnalysisRuns(options: AnalysisOptions): Promise<AnalysisMeasurement> {
  await mkdir(OUT_DIR, { recursive: true });
  const csv = join(OUT_DIR, `analysis-${options.rows}.csv`);
  let generatedSeconds: number | undefined;
  if (!existsSync(csv)) {
    options.log(`generating ${options.rows} rows into ${csv} (once; kept for later runs) …`);
    const t = Date.now();
    await writeSampleCsv(`${csv}.tmp`, options.rows, { seed: 42, notes: 'random' });
    await rename(`${csv}.tmp`, csv);
    generatedSeconds = (Date.now() - t) / 1000;
  }
  const csvMb = (await stat(csv)).size / 1024 / 1024;
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'offload-bench-analysis-')));
  const prefix = `bench-an-${process.pid}-${Date.now().toString(36)}`;
  const env = {
    ...process.env,
    QUEUE_PREFIX: prefix,
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    WORKER_TASK_TYPES: 'analysis',
    WORKER_CONCURRENCY: '1',
    ANALYSIS_MEMORY_MB: String(options.memoryMb),
    ANALYSIS_TIMEOUT_MS: String(25 * 60 * 1000),
  };
  const result: AnalysisMeasurement = { rows: options.rows, csvMb, memoryMb: options.memoryMb, ...(generatedSeconds ? { generatedSeconds } : {}), offload: [], exact: [], summarize: [] };
  const api = await startApi(env, 'analysis-api.log');
  // The file goes into storage as an upload would (a hard link: the bench measures the analysis,
  // not a 1 GiB HTTP upload).
  const key = `up_${randomUUID().replaceAll('-', '')}`;
  try {
    await link(csv, join(dataDir, 'blobs', key));
    for (let run = 0; run < options.runs; run++) {
      // Interleaved: the engine alone and offload take turns on the same warm page cache.
      result.exact.push(await engineAlone(csv, options.memoryMb, 'exact'));
      if (options.summarize) result.summarize.push(await engineAlone(csv, options.memoryMb, 'summarize'));
      const worker = await startWorker(env, 'analysis-worker.log', options.profileDir);
      try {
        const res = await fetch(`${api.base}/v1/tasks`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ task_type: 'analysis', content: { dataset: key, group_by: 'category' } }),
        });
        if (res.status !== 202) throw new Error(`POST /v1/tasks answered ${res.status}: ${await res.text()}`);
        const { links } = (await res.json()) as { links: { self: string } };
        const record = await waitFor(
          async () => {
            const r = (await (await fetch(`${api.base}${links.self}`)).json()) as { status: string; started_at?: string; finished_at?: string; error?: unknown };
            return r.status === 'succeeded' || r.status === 'failed' ? r : undefined;
          },
          30 * 60 * 1000,
          'the analysis task',
          100,
        );
        if (record.status !== 'succeeded') throw new Error(`analysis failed: ${JSON.stringify(record.error)}`);
        const seconds = (Date.parse(record.finished_at ?? '') - Date.parse(record.started_at ?? '')) / 1000;
        result.offload.push({ seconds, peakMb: worker.child.pid ? await peakRssMb(worker.child.pid) : NaN });
      } finally {
        await stopChild(worker.child);
      }
      const last = (xs: AnalysisRun[]) => xs.at(-1)?.seconds.toFixed(1) ?? '–';
      options.log(
        `analysis run ${run + 1}/${options.runs}: offload ${last(result.offload)} s (peak RSS ${result.offload.at(-1)?.peakMb.toFixed(0)} MB), DuckDB alone ${last(result.exact)} s (peak RSS ${result.exact.at(-1)?.peakMb.toFixed(0)} MB)${options.summarize ? `, SUMMARIZE ${last(result.summarize)} s` : ''}`,
      );
    }
  } finally {
    await api.stop();
    await deleteTestTopology(prefix).catch(() => undefined);
    if (options.dataDir === undefined) await rm(dataDir, { recursive: true, force: true });
    else await rm(join(dataDir, 'blobs', key), { force: true });
  }
  return result;
}
