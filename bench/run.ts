// The benchmark suite: every row, offload beside its baselines measured in the same run.
//   npm run bench [-- --quick] [-- --only 1,3] [-- --runs N] [-- --profile DIR]
// Prints one table and writes bench/out/results-<timestamp>.json. See bench/RESULTS.md (method).
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import amqplib from 'amqplib';
import { measureAnalysis } from './analysis';
import { measureConsole } from './console-load';
import { measureApiIntake } from './api-intake';
import { redisVersion } from './lib/bullmq';
import { LOG_DIR, OUT_DIR } from './lib/child';
import { AMQP_URL } from './lib/raw-amqp';
import { benchDatabase } from './lib/record-stores';
import { failedRow, renderTable, type RowResult } from './lib/report';
import { log, type RowOptions } from './lib/row';
import { builtEntries } from './lib/services';
import { warmUpBroker } from './lib/warm-up';
import { measureQueueOverhead } from './queue-overhead';
import { measureScaleOut } from './scale-out';
import { measureScheduling } from './scheduling';
import { measureListing } from './task-listing';
import { measureWatermarkE2e } from './watermark-e2e';

const ROWS: [number, string, (options: RowOptions) => Promise<RowResult>][] = [
  [1, 'queue overhead', measureQueueOverhead],
  [2, 'API intake', measureApiIntake],
  [3, 'watermark end to end', measureWatermarkE2e],
  [4, 'analysis', measureAnalysis],
  [5, 'scale-out', measureScaleOut],
  [6, 'listing at 1 M records', measureListing],
  [7, 'scheduling accuracy', measureScheduling],
  [8, 'console at 1 M records', measureConsole],
];

async function brokerVersion(): Promise<string> {
  const connection = await amqplib.connect(AMQP_URL);
  try {
    const props = (connection.connection as unknown as { serverProperties?: { product?: string; version?: string } }).serverProperties;
    return `${props?.product ?? 'broker'} ${props?.version ?? '?'}`;
  } finally {
    await connection.close();
  }
}

const load = () => loadavg().map((l) => Number(l.toFixed(2)));

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { quick: { type: 'boolean', default: false }, only: { type: 'string' }, runs: { type: 'string' }, profile: { type: 'string' }, 'warmup-s': { type: 'string' } },
  });
  const quick = values.quick ?? false;
  const runs = Number(values.runs ?? (quick ? 2 : 3));
  const only = values.only ? new Set(values.only.split(',').map(Number)) : undefined;
  const started = Date.now();
  const missing = builtEntries().filter((p) => !existsSync(p));
  if (missing.length) {
    process.stderr.write(`bench: build first (npx turbo run build); missing ${missing.join(', ')}\n`);
    process.exit(1);
  }
  await mkdir(OUT_DIR, { recursive: true });
  await rm(LOG_DIR, { recursive: true, force: true });
  let broker: string;
  try {
    broker = await brokerVersion();
  } catch (err) {
    process.stderr.write(`bench: no RabbitMQ at ${AMQP_URL} (${err instanceof Error ? err.message : String(err)}); start one (rabbitmq-server -detached) or set AMQP_URL\n`);
    process.exit(1);
  }
  const redis = await redisVersion();
  // A fresh database for the records of rows 1–3, 5 and 7, as DATA_DIR below is fresh for SQLite's.
  const postgres = await benchDatabase();
  const machine = {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? '?',
    memoryGb: Number((totalmem() / 1024 ** 3).toFixed(1)),
    node: process.version,
    broker,
    redis: 'version' in redis ? redis.version : `unavailable: ${redis.error}`,
    postgres: 'version' in postgres ? postgres.version : `unavailable: ${postgres.error}`,
  };
  process.stdout.write(
    `offload bench${quick ? ' --quick' : ''}, ${new Date().toISOString()}: ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGb} GB, Node ${machine.node}, ${machine.broker}, PostgreSQL ${machine.postgres}, Redis ${machine.redis} (BullMQ's); ${runs} runs per side; load average ${load().join(' ')}\n`,
  );
  const warmupSeconds = Number(values['warmup-s'] ?? (quick ? 8 : 20));
  const dataDir = await mkdtemp(join(tmpdir(), 'offload-bench-'));
  // The record databases get none: bench/lib/warm-up.ts says why.
  const warmup = { brokerMsgPerSec: await warmUpBroker(warmupSeconds, log) };

  const results: (RowResult & { loadBefore: number[]; loadAfter: number[] })[] = [];
  for (const [n, name, measure] of ROWS) {
    if (only && !only.has(n)) continue;
    process.stdout.write(`row ${n}: ${name} …\n`);
    const loadBefore = load();
    const t = Date.now();
    let result: RowResult;
    try {
      result = await measure({ quick, runs, log, dataDir, ...(values.profile ? { profileDir: join(values.profile, `row-${n}`) } : {}) });
    } catch (err) {
      result = failedRow(`${n} ${name}`, err, (Date.now() - t) / 1000);
      process.stdout.write(`  row ${n} not measured: ${err instanceof Error ? err.message : String(err)}\n`);
    }
    results.push({ ...result, loadBefore, loadAfter: load() });
    process.stdout.write(`  (${result.seconds.toFixed(0)} s)\n`);
  }

  await rm(dataDir, { recursive: true, force: true });
  const totalSeconds = (Date.now() - started) / 1000;
  const table = renderTable(results.flatMap((r) => r.lines));
  const stamp = new Date().toISOString().replaceAll(':', '-').replace(/\.\d+Z$/, 'Z');
  const file = join(OUT_DIR, `results-${stamp}.json`);
  await writeFile(file, `${JSON.stringify({ date: new Date().toISOString(), quick, runs, machine, warmup, totalSeconds, table, rows: results }, null, 2)}\n`);
  const loads = results.map((r) => `${r.row}: ${r.loadBefore[0]} → ${r.loadAfter[0]}`).join('; ');
  process.stdout.write(
    `\n${table}\n\nload average (1 min) before → after each row: ${loads}\nmedian (min–max) over ${runs} interleaved runs per side; ratio = offload ÷ baseline over paired runs. ${quick ? 'Quick pass: fewer tasks and shorter runs than the full suite.' : ''}\ntotal ${Math.round(totalSeconds)} s; results in ${file}\n`,
  );
  process.exit(0);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
