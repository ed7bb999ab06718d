// Row 8, the console at 1 M records: how long the console takes to show its first rows in Debian's
// Chromium (page load, sign-in check, the listing's first page, rendering), on the built API over
// a million records, for the unfiltered list, a filtered list (failed watermarks), an id-prefix
// search and the overview's first numbers (counts over every record and the last hour). Baseline in
// the same run: the same console on 1 000 records, the samples interleaved.
//   npx tsx bench/console-load.ts [--quick] [--runs N]
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { launchChromium } from '@offload/test-support';
import { listingDatabase } from './lib/listing-fixture';
import { SQLITE_VARIANT } from './lib/record-stores';
import type { RowResult, TableLine } from './lib/report';
import { runRowCli, type RowOptions } from './lib/row';
import { startApi, type Service } from './lib/services';
import { latency, pairedRatio, spread } from './lib/stats';

const ROW = '8 console, 1 M records';
const BIG = 1_000_000;
const SMALL = 1_000;
const SEED = { days: 30, seed: 20_261_202 };

/** What the operator opens, and what on the page says it has its first rows. */
const SCENARIOS = [
  { name: 'tasks, newest first', hash: '#/tasks', ready: '[data-testid="task-table"] tbody tr' },
  { name: 'failed watermark tasks', hash: '#/tasks?status=failed&task_type=watermark', ready: '[data-testid="task-table"] tbody tr' },
  { name: 'id prefix search', hash: '#/tasks?id_prefix=a1', ready: '[data-testid="task-table"] tbody tr' },
  { name: 'overview first numbers', hash: '#/', ready: '[data-testid="count-watermark-succeeded"]' },
] as const;

interface Side {
  label: string;
  api: Service;
  dataDir: string;
}

/** A whole page load (not a hash change): from navigation to the first rows drawn. */
async function timeToFirstRows(page: Page, base: string, scenario: (typeof SCENARIOS)[number]): Promise<number> {
  await page.goto('about:blank');
  const started = performance.now();
  await page.goto(`${base}/console/${scenario.hash}`);
  await page.locator(scenario.ready).first().waitFor({ timeout: 60_000 });
  return performance.now() - started;
}

export async function measureConsole(options: RowOptions): Promise<RowResult> {
  const begun = Date.now();
  const samples = options.quick ? 5 : 15;
  const sides: Side[] = [];
  const browser = await launchChromium();
  const times: Record<string, Record<string, number[][]>> = {};
  try {
    for (const [label, records] of [
      ['1 M', BIG],
      ['1 k', SMALL],
    ] as const) {
      const dataDir = await mkdtemp(join(tmpdir(), `offload-bench-console-${records}-`));
      const database = await listingDatabase(SQLITE_VARIANT, dataDir, { ...SEED, records }, options.log);
      const api = await startApi({ ...process.env, QUEUE_PREFIX: `bench-console-${process.pid}`, DATA_DIR: dataDir, LOG_LEVEL: 'warn', RETENTION_S: '0', RECORD_STORE_URL: '' }, `console-api-${records}.log`);
      sides.push({ label, api, dataDir });
      options.log(`console: ${records.toLocaleString('en-US')} records, ${'seeded' in database.how ? `seeded in ${database.how.seeded.toFixed(0)} s` : `copied in ${database.how.copied.toFixed(0)} s`}`);
    }
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    for (const side of sides) {
      // AUTH=off: the console signs in with any key-shaped text (GET /v1/me answers as admin).
      await page.goto(`${side.api.base}/console/`);
      await page.getByLabel('API key').fill('ofk_bench');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByTestId('who').waitFor();
      // Unmeasured: the JIT of the API, SQLite's page cache, the browser's caches of the assets.
      for (const scenario of SCENARIOS) for (let i = 0; i < 2; i++) await timeToFirstRows(page, side.api.base, scenario);
      times[side.label] = Object.fromEntries(SCENARIOS.map((s) => [s.name, []]));
    }
    for (let run = 0; run < options.runs; run++) {
      const perRun: Record<string, Record<string, number[]>> = Object.fromEntries(sides.map((s) => [s.label, Object.fromEntries(SCENARIOS.map((sc) => [sc.name, [] as number[]]))]));
      for (let i = 0; i < samples; i++) {
        for (const scenario of SCENARIOS) {
          // Interleaved: 1 M then 1 k, then the other way round.
          const order = (run + i) % 2 === 0 ? sides : [...sides].reverse();
          for (const side of order) perRun[side.label]?.[scenario.name]?.push(await timeToFirstRows(page, side.api.base, scenario));
        }
      }
      for (const side of sides) for (const scenario of SCENARIOS) times[side.label]?.[scenario.name]?.push(perRun[side.label]?.[scenario.name] ?? []);
      options.log(
        `console run ${run + 1}/${options.runs}: ${SCENARIOS.map((sc) => `${sc.name} p50 1 M ${latency(perRun['1 M']?.[sc.name] ?? []).p50.toFixed(0)} ms vs 1 k ${latency(perRun['1 k']?.[sc.name] ?? []).p50.toFixed(0)} ms`).join('; ')}`,
      );
    }
  } finally {
    await browser.close();
    for (const side of sides) {
      await side.api.stop().catch(() => undefined);
      await rm(side.dataDir, { recursive: true, force: true });
    }
  }
  const lines: TableLine[] = SCENARIOS.map((scenario) => {
    const big = (times['1 M']?.[scenario.name] ?? []).map((run) => latency(run).p50);
    const small = (times['1 k']?.[scenario.name] ?? []).map((run) => latency(run).p50);
    return {
      row: ROW,
      metric: `first rows p50 ms: ${scenario.name}`,
      unit: 'ms',
      offload: spread(big),
      baseline: { name: 'the same on 1 000 records', value: spread(small) },
      ratio: pairedRatio(big, small),
      target: 'responsive at 1 M records',
    };
  });
  return {
    row: ROW,
    lines,
    details: { samples, scenarios: SCENARIOS, times },
    seconds: (Date.now() - begun) / 1000,
  };
}

if (require.main === module) runRowCli(measureConsole);
