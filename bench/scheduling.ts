// Row 7, scheduling accuracy: how late a task with `run_at` starts, through the built API (whose
// scheduler publishes due tasks from the record database) and one offload worker process (the
// bench's no-op `watermark` handler, bench/lib/offload-worker.ts). Baseline in the same run: the same
// tasks submitted for immediate run, paced at the rate the scheduled ones fall due.
//   npx tsx bench/scheduling.ts [--quick] [--runs N] [--profile DIR]
//
// Scheduled side: N tasks (quick 300) are submitted (16 requests in flight, in shuffled order) with
// `run_at` at distinct milliseconds spread evenly over [start + 10 s, start + 20 s], so every task
// is recorded before the first falls due and nothing else runs meanwhile ("no load"). Once all
// succeeded, each record is read through `GET /v1/tasks/:id`: lateness = started_at − run_at, both
// in the record (ms resolution; the API and the worker share this machine's clock). A task that
// started before its run_at is a bug and fails the row's "none early" line. Immediate side: the
// same N tasks without run_at, paced at N ÷ 10 s; lateness = started_at − created_at.
import { join } from 'node:path';
import { deleteTestTopology } from '@offload/test-support';
import { ROOT } from './lib/child';
import { startConsumers, type ConsumerPool } from './lib/consumer-pool';
import { recordStoreVariants, type RecordStoreVariant } from './lib/record-stores';
import type { RowResult, TableLine } from './lib/report';
import { runRowCli, type RowOptions } from './lib/row';
import { startApi, type Service } from './lib/services';
import { epochMs, latency, pairedRatio, spread, type Latency } from './lib/stats';
import { readRecords, submitTask, uploadSmallPng, type RecordTimes } from './lib/task-client';
import { paced, windowed } from './lib/windowed';
import { noopWorkerEnv } from './queue-overhead';

const ROW = '7 scheduling';
/** The first task falls due this long after submission starts: time to record all N first. */
export const LEAD_MS = 10_000;
/** The due times spread evenly over this span after the lead. */
export const SPAN_MS = 10_000;
const SUBMIT_IN_FLIGHT = 16;
const TARGET_MS = 1_000;

type Kind = 'scheduled' | 'immediate';

interface KindRun {
  /** started_at − run_at (scheduled) or started_at − created_at (immediate), ms, per task. */
  lateness: Latency;
  /** Tasks that started before their run_at (scheduled; must be none), and the earliest by how much. */
  early: number;
  earliestMs: number;
  /** Handler start − due time by this process's clock (sub-ms; from the worker's reports). */
  handlerLateness: Latency;
  /** Whether submitting took longer than the lead (then some tasks were due before all were in). */
  overran: boolean;
  submitSeconds: number;
}

interface Setup {
  variant: RecordStoreVariant;
  api: Service;
  pool: ConsumerPool;
  imageKey: string;
  close(): Promise<void>;
}

const ms = (iso: string | undefined): number => (iso === undefined ? NaN : Date.parse(iso));

function shuffled<T>(items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

async function setUp(variant: RecordStoreVariant, options: RowOptions): Promise<Setup> {
  const prefix = `bench-sched-${variant.tag}-${process.pid}-${Date.now().toString(36)}`;
  const env = { ...noopWorkerEnv(prefix, options.dataDir), ...variant.env };
  let api: Service | undefined;
  try {
    api = await startApi({ ...process.env, QUEUE_PREFIX: prefix, DATA_DIR: options.dataDir, LOG_LEVEL: 'warn', ...variant.env }, `scheduling-api-${variant.tag}.log`, options.profileDir);
    const pool = await startConsumers(join(ROOT, 'bench/lib/offload-worker.ts'), 1, {
      log: `scheduling-worker-${variant.tag}`,
      env,
      args: ['noop'],
      ...(options.profileDir ? { profileDir: options.profileDir } : {}),
    });
    const started = api;
    return {
      variant,
      api,
      pool,
      imageKey: await uploadSmallPng(api.base),
      close: async () => {
        await pool.stop();
        await started.stop();
        await deleteTestTopology(prefix);
      },
    };
  } catch (err) {
    await api?.stop();
    await deleteTestTopology(prefix);
    throw err;
  }
}

/** One side's run: submit `n` tasks, wait until the worker finished them all, read their records. */
async function measureKind(setup: Setup, kind: Kind, n: number, leadMs: number, spanMs: number): Promise<KindRun> {
  const { api, pool, imageKey } = setup;
  await pool.reset();
  const t0 = epochMs();
  const ids: string[] = [];
  // The text carries the due (or submit) time, as row 1's tasks carry their publish time.
  const content = (atMs: number) => ({ image: imageKey, watermark: { text: `t=${atMs.toFixed(3)}`, position: 'bottom-right' as const, tile: false, opacity: 0.5, size: 0.25, margin: 0.02 } });
  if (kind === 'scheduled') {
    // Distinct whole milliseconds (run_at carries ms), evenly spread, submitted in shuffled order.
    const dues = shuffled(Array.from({ length: n }, (_, i) => Math.round(t0 + leadMs + (i * spanMs) / n)));
    await windowed(n, SUBMIT_IN_FLIGHT, async (i) => {
      const due = dues[i] as number;
      ids.push(await submitTask(api.base, { task_type: 'watermark', content: content(due), run_at: new Date(due).toISOString() }));
    });
  } else {
    await paced(n, n / (spanMs / 1000), async () => {
      ids.push(await submitTask(api.base, { task_type: 'watermark', content: content(epochMs()) }));
    });
  }
  const submitted = epochMs();
  await pool.waitForCompleted(n, leadMs + spanMs + 120_000);
  const report = await pool.report();
  const records = await readRecords(api.base, ids);
  const notDone = records.filter((r) => r.status !== 'succeeded' || r.started_at === undefined);
  if (notDone.length) throw new Error(`${notDone.length} ${kind} tasks did not succeed with a started_at (first: ${JSON.stringify(notDone[0])})`);
  const since = (r: RecordTimes) => (kind === 'scheduled' ? ms(r.run_at) : ms(r.created_at));
  const lateness = records.map((r) => ms(r.started_at) - since(r));
  if (lateness.some((l) => !Number.isFinite(l))) throw new Error(`a ${kind} record lacks ${kind === 'scheduled' ? 'run_at' : 'created_at'}`);
  const early = lateness.filter((l) => l < 0);
  return {
    lateness: latency(lateness),
    early: early.length,
    earliestMs: early.reduce((a, b) => Math.min(a, b), 0),
    handlerLateness: latency(report.latenciesMs),
    overran: kind === 'scheduled' && submitted > t0 + leadMs,
    submitSeconds: (submitted - t0) / 1000,
  };
}

export async function measureScheduling(options: RowOptions): Promise<RowResult> {
  const begun = Date.now();
  const n = options.quick ? 300 : 2_000;
  const warmup = options.quick ? 50 : 200;
  const rate = n / (SPAN_MS / 1000);
  const { variants, skipped } = await recordStoreVariants();
  const setups: Setup[] = [];
  const runs: Record<string, Record<Kind, KindRun[]>> = {};
  try {
    for (const variant of variants) setups.push(await setUp(variant, options));
    // Warm-up: each side once, small and short, unmeasured.
    for (const s of setups) for (const kind of ['scheduled', 'immediate'] as const) await measureKind(s, kind, warmup, 2_000, 2_000);
    const sides = setups.flatMap((s) => (['scheduled', 'immediate'] as const).map((kind) => ({ s, kind })));
    for (let run = 0; run < options.runs; run++) {
      // Interleaved, and the order rotates so no side always runs first.
      for (let k = 0; k < sides.length; k++) {
        const { s, kind } = sides[(run + k) % sides.length] as (typeof sides)[number];
        const result = await measureKind(s, kind, n, LEAD_MS, SPAN_MS);
        ((runs[s.variant.name] ??= { scheduled: [], immediate: [] })[kind]).push(result);
        const l = result.lateness;
        options.log(
          `scheduling run ${run + 1}/${options.runs} ${s.variant.name} ${kind.padEnd(9)} ${n} tasks (submitted in ${result.submitSeconds.toFixed(1)} s${result.overran ? ', past the lead' : ''}): lateness p50 ${l.p50.toFixed(0)} ms p99 ${l.p99.toFixed(0)} ms max ${l.max.toFixed(0)} ms; early ${result.early}${result.early ? ` (earliest ${result.earliestMs} ms)` : ''}; handler start − ${kind === 'scheduled' ? 'due' : 'submit'} (bench clock) p50 ${result.handlerLateness.p50.toFixed(1)} ms p99 ${result.handlerLateness.p99.toFixed(1)} ms`,
        );
      }
    }
  } finally {
    for (const s of setups) await s.close().catch(() => undefined);
  }
  const lines = tableLines(runs, variants, rate);
  if (skipped) lines.push({ row: ROW, metric: 'lateness, PostgreSQL', unit: 'ms', note: skipped });
  return { row: ROW, lines, details: { tasks: n, warmup, leadMs: LEAD_MS, spanMs: SPAN_MS, immediateRatePerSec: rate, runs, storesSkipped: skipped }, seconds: (Date.now() - begun) / 1000 };
}

function tableLines(runs: Record<string, Record<Kind, KindRun[]>>, variants: readonly RecordStoreVariant[], rate: number): TableLine[] {
  const lines: TableLine[] = [];
  for (const variant of variants) {
    const scheduled = runs[variant.name]?.scheduled ?? [];
    const immediate = runs[variant.name]?.immediate ?? [];
    for (const [name, pick] of [
      ['p50', (l: Latency) => l.p50],
      ['p99', (l: Latency) => l.p99],
      ['max', (l: Latency) => l.max],
    ] as const) {
      const mine = scheduled.map((r) => pick(r.lateness));
      const base = immediate.map((r) => pick(r.lateness));
      const p99 = name === 'p99';
      lines.push({
        row: ROW,
        metric: `lateness ${name} ms, started_at − run_at, ${variant.name}`,
        unit: 'ms',
        offload: spread(mine),
        baseline: { name: `immediate, paced ${Math.round(rate)}/s: started_at − created_at`, value: spread(base) },
        ratio: pairedRatio(mine, base),
        ...(p99 ? { target: 'started within 1 s of run_at under no load', met: mine.length > 0 && mine.every((v) => v < TARGET_MS) } : {}),
        ...(p99 && variant.name === 'SQLite' ? { note: `met: p99 < ${TARGET_MS} ms in every run; ${scheduled[0]?.lateness.n ?? 0} tasks a run, due at distinct ms over ${SPAN_MS / 1000} s starting ${LEAD_MS / 1000} s after submission began` } : {}),
      });
    }
    const early = scheduled.map((r) => r.early);
    const overran = scheduled.filter((r) => r.overran).length;
    const notes = [
      ...(early.some((e) => e > 0) ? [`FAILURE: a task started before its run_at (earliest ${Math.min(...scheduled.map((r) => r.earliestMs))} ms early)`] : []),
      ...(overran ? [`submitting took longer than the ${LEAD_MS / 1000} s lead in ${overran} run(s): some tasks were due before all were recorded`] : []),
    ];
    lines.push({
      row: ROW,
      metric: `tasks started before run_at, ${variant.name}`,
      unit: 'count',
      offload: spread(early),
      target: 'none',
      met: early.length > 0 && early.every((e) => e === 0),
      ...(notes.length ? { note: notes.join('; ') } : {}),
    });
  }
  return lines;
}

if (require.main === module) runRowCli(measureScheduling);
