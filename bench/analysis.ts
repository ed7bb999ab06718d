// Analysis benchmark: profiles a generated ~1 GiB CSV (17.5 M rows, 7 columns) with the built
// worker process and reports seconds, MB/s and the worker's peak RSS, beside DuckDB alone on the
// same file in the same run (exact statistics in one statement, and its approximate SUMMARIZE).
//   npx tsx bench/analysis.ts [--rows N] [--runs K] [--memory-mb M]
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { link, mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { deleteTestTopology } from '@offload/test-support';
import { generateCsv } from './lib/generate-csv';
import { peakRssMb, percentile } from './lib/process-stats';

const { values } = parseArgs({ options: { rows: { type: 'string', default: '17500000' }, runs: { type: 'string', default: '3' }, 'memory-mb': { type: 'string', default: '1024' } } });
const rows = Number(values.rows);
const runs = Number(values.runs);
const memoryMb = Number(values['memory-mb']);
const root = resolve(__dirname, '..');

async function waitFor<T>(check: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

function runNode(args: string[], env: NodeJS.ProcessEnv): Promise<{ stdout: string; peakMb: number }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    let peakMb = 0;
    const timer = setInterval(() => {
      if (child.pid) peakRssMb(child.pid).then((mb) => (peakMb = Math.max(peakMb, mb)), () => undefined);
    }, 100);
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.on('exit', (code) => {
      clearInterval(timer);
      if (code === 0) done({ stdout, peakMb });
      else fail(new Error(`${args.join(' ')} exited ${code}`));
    });
  });
}

async function main(): Promise<void> {
  const outDir = join(root, 'bench/out');
  await mkdir(outDir, { recursive: true });
  const csv = join(outDir, `analysis-${rows}.csv`);
  if (!existsSync(csv)) {
    process.stdout.write(`generating ${rows} rows into ${csv} …\n`);
    await generateCsv(csv, rows);
  }
  const bytes = (await stat(csv)).size;
  const mb = bytes / 1024 / 1024;

  const dataDir = await mkdtemp(join(tmpdir(), 'offload-bench-analysis-'));
  const prefix = `bench-${process.pid}`;
  const port = 3800 + Math.floor(Math.random() * 90);
  const base = `http://127.0.0.1:${port}`;
  const env = { ...process.env, QUEUE_PREFIX: prefix, DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', WORKER_HTTP_PORT: '0', WORKER_TASK_TYPES: 'analysis', WORKER_CONCURRENCY: '1', ANALYSIS_MEMORY_MB: String(memoryMb), ANALYSIS_TIMEOUT_MS: String(25 * 60 * 1000) };
  const api = spawn(process.execPath, [join(root, 'apps/api/dist/main.js')], { env, stdio: 'inherit' });
  const offload: { seconds: number; peakMb: number }[] = [];
  const exact: { seconds: number; peakMb: number }[] = [];
  const summarize: { seconds: number; peakMb: number }[] = [];
  try {
    await waitFor(async () => ((await fetch(`${base}/readyz`)).ok ? true : undefined), 30_000);
    // The file goes into storage as an upload would (a hard link: the bench measures the analysis,
    // not a 1 GiB HTTP upload).
    const key = `up_${randomUUID().replaceAll('-', '')}`;
    await link(csv, join(dataDir, 'blobs', key));
    for (let run = 0; run < runs; run++) {
      // Interleaved: the baselines and offload take turns on the same warm page cache.
      const e = await runNode(['--import', 'tsx', join(root, 'bench/lib/engine-alone.ts'), csv, String(Math.floor(memoryMb * 0.35)), 'exact'], process.env);
      exact.push({ seconds: (JSON.parse(e.stdout) as { seconds: number }).seconds, peakMb: e.peakMb });
      const s = await runNode(['--import', 'tsx', join(root, 'bench/lib/engine-alone.ts'), csv, String(Math.floor(memoryMb * 0.35)), 'summarize'], process.env);
      summarize.push({ seconds: (JSON.parse(s.stdout) as { seconds: number }).seconds, peakMb: s.peakMb });

      const worker = spawn(process.execPath, [join(root, 'apps/worker/dist/main.js')], { env, stdio: 'inherit' });
      try {
        await waitFor(async () => ((await fetch(`${base}/readyz`)).ok ? true : undefined), 30_000);
        const res = await fetch(`${base}/v1/tasks`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ task_type: 'analysis', content: { dataset: key, group_by: 'category' } }),
        });
        const { links } = (await res.json()) as { links: { self: string } };
        const record = await waitFor(async () => {
          const r = (await (await fetch(`${base}${links.self}`)).json()) as { status: string; started_at?: string; finished_at?: string; error?: unknown };
          return r.status === 'succeeded' || r.status === 'failed' ? r : undefined;
        }, 30 * 60 * 1000);
        if (record.status !== 'succeeded') throw new Error(`analysis failed: ${JSON.stringify(record.error)}`);
        const seconds = (Date.parse(record.finished_at ?? '') - Date.parse(record.started_at ?? '')) / 1000;
        offload.push({ seconds, peakMb: worker.pid ? await peakRssMb(worker.pid) : NaN });
      } finally {
        worker.kill('SIGTERM');
        await new Promise((r) => worker.once('exit', r));
      }
    }
  } finally {
    api.kill('SIGTERM');
    await new Promise((r) => api.once('exit', r));
    await deleteTestTopology(prefix);
    await rm(dataDir, { recursive: true, force: true });
  }
  const row = (name: string, xs: { seconds: number; peakMb: number }[]) => {
    const s = xs.map((x) => x.seconds);
    const p = xs.map((x) => x.peakMb);
    return `${name.padEnd(34)} ${percentile(s, 0.5).toFixed(1).padStart(6)} s  (${Math.min(...s).toFixed(1)}–${Math.max(...s).toFixed(1)})  ${(mb / percentile(s, 0.5)).toFixed(1).padStart(6)} MB/s  peak RSS ${percentile(p, 0.5).toFixed(0)} MB (max ${Math.max(...p).toFixed(0)})`;
  };
  const ratio = percentile(offload.map((x) => x.seconds), 0.5) / percentile(exact.map((x) => x.seconds), 0.5);
  process.stdout.write(
    [
      `analysis benchmark, ${new Date().toISOString()}: ${rows} rows, ${mb.toFixed(0)} MB CSV, ANALYSIS_MEMORY_MB=${memoryMb}, ${runs} runs, median (min–max)`,
      row('offload worker (exact, group_by)', offload),
      row('DuckDB alone, exact, one statement', exact),
      row('DuckDB alone, SUMMARIZE (approx.)', summarize),
      `offload / DuckDB exact: ${ratio.toFixed(2)}×; peak RSS within the ${memoryMb} MB budget: ${offload.every((x) => x.peakMb <= memoryMb) ? 'yes' : 'NO'}`,
      '',
    ].join('\n'),
  );
}

void main();
