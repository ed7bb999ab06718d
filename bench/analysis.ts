// Analysis benchmark: profiles a generated CSV (default ~1 GiB: 17.5 M rows, 7 columns) with the
// built worker process and reports seconds, MB/s and the worker's peak RSS, beside DuckDB alone on
// the same file in the same run (exact statistics in one statement, and its approximate SUMMARIZE).
//   npx tsx bench/analysis.ts [--rows N] [--runs K] [--memory-mb M]
// The suite's row 4 (bench/run.ts) calls measureAnalysis: 1 GiB, or ~60 MB with --quick.
import { parseArgs } from 'node:util';
import { measureAnalysisRuns, type AnalysisRun } from './lib/analysis-bench';
import { percentile } from './lib/process-stats';
import type { RowResult, TableLine } from './lib/report';
import { log, type RowOptions } from './lib/row';
import { pairedRatio, spread } from './lib/stats';

const ROW = '4 analysis';
export const FULL_ROWS = 17_500_000;
export const QUICK_ROWS = 1_000_000;
export const MEMORY_MB = 1024;

export async function measureAnalysis(options: RowOptions): Promise<RowResult> {
  const begun = Date.now();
  const m = await measureAnalysisRuns({
    rows: options.quick ? QUICK_ROWS : FULL_ROWS,
    runs: options.runs,
    memoryMb: MEMORY_MB,
    summarize: false,
    dataDir: options.dataDir,
    log: options.log,
    ...(options.profileDir ? { profileDir: options.profileDir } : {}),
  });
  const seconds = (xs: AnalysisRun[]) => xs.map((x) => x.seconds);
  const rss = (xs: AnalysisRun[]) => xs.map((x) => x.peakMb);
  const ratio = pairedRatio(seconds(m.offload), seconds(m.exact));
  const maxRss = Math.max(...rss(m.offload));
  const engine = `DuckDB alone (exact, one statement)`;
  const lines: TableLine[] = [
    {
      row: ROW,
      metric: `seconds, ${m.csvMb.toFixed(0)} MB CSV`,
      unit: 's',
      offload: spread(seconds(m.offload)),
      baseline: { name: engine, value: spread(seconds(m.exact)) },
      ratio,
      target: '≤ 1.3×',
      met: ratio.median <= 1.3,
    },
    {
      row: ROW,
      metric: 'peak RSS MB',
      unit: 'mb',
      offload: spread(rss(m.offload)),
      baseline: { name: engine, value: spread(rss(m.exact)) },
      ratio: pairedRatio(rss(m.offload), rss(m.exact)),
      target: `≤ ${MEMORY_MB} MB (ANALYSIS_MEMORY_MB)`,
      met: maxRss <= MEMORY_MB,
      ...(m.generatedSeconds ? { note: `the CSV was generated first (${m.generatedSeconds.toFixed(0)} s, not measured)` } : {}),
    },
  ];
  return { row: ROW, lines, details: m as unknown as Record<string, unknown>, seconds: (Date.now() - begun) / 1000 };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { rows: { type: 'string', default: String(FULL_ROWS) }, runs: { type: 'string', default: '3' }, 'memory-mb': { type: 'string', default: String(MEMORY_MB) } } });
  const memoryMb = Number(values['memory-mb']);
  const m = await measureAnalysisRuns({ rows: Number(values.rows), runs: Number(values.runs), memoryMb, summarize: true, log });
  const row = (name: string, xs: AnalysisRun[]) => {
    const s = xs.map((x) => x.seconds);
    const p = xs.map((x) => x.peakMb);
    return `${name.padEnd(34)} ${percentile(s, 0.5).toFixed(1).padStart(6)} s  (${Math.min(...s).toFixed(1)}–${Math.max(...s).toFixed(1)})  ${(m.csvMb / percentile(s, 0.5)).toFixed(1).padStart(6)} MB/s  peak RSS ${percentile(p, 0.5).toFixed(0)} MB (max ${Math.max(...p).toFixed(0)})`;
  };
  const ratio = percentile(m.offload.map((x) => x.seconds), 0.5) / percentile(m.exact.map((x) => x.seconds), 0.5);
  process.stdout.write(
    [
      `analysis benchmark, ${new Date().toISOString()}: ${m.rows} rows, ${m.csvMb.toFixed(0)} MB CSV, ANALYSIS_MEMORY_MB=${memoryMb}, ${m.offload.length} runs, median (min–max)`,
      row('offload worker (exact, group_by)', m.offload),
      row('DuckDB alone, exact, one statement', m.exact),
      row('DuckDB alone, SUMMARIZE (approx.)', m.summarize),
      `offload / DuckDB exact: ${ratio.toFixed(2)}×; peak RSS within the ${memoryMb} MB budget: ${m.offload.every((x) => x.peakMb <= memoryMb) ? 'yes' : 'NO'}`,
      '',
    ].join('\n'),
  );
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}
