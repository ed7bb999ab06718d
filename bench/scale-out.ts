// Row 5, scale-out: tasks/s with 1, 2 and 4 offload worker processes (competing consumers on one
// queue), on no-op tasks (row 1's setup) and on real watermark tasks (640×480 JPEGs, the worker's
// sharp handler, its default WORKER_CONCURRENCY), each with records in SQLite (the default: the
// processes share DATA_DIR's database file) and in PostgreSQL. The baseline of each is 1 process,
// same run.
//   npx tsx bench/scale-out.ts [--quick] [--runs N] [--profile DIR]
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { encodeTaskPayload, watermarkOptionsSchema } from '@offload/contracts';
import { newUploadKey, openStorage } from '@offload/storage';
import { deleteTestTopology } from '@offload/test-support';
import { loadWorkerConfig } from '@offload/worker/testing';
import { ROOT } from './lib/child';
import { startConsumers, type ConsumerPool } from './lib/consumer-pool';
import { benchImages, WATERMARK_FIELDS } from './lib/images';
import { offloadNoopTask } from './lib/noop-task';
import { RECORD_STORE_URL, recordStoreVariants, type RecordStoreVariant } from './lib/record-stores';
import type { RowResult, TableLine } from './lib/report';
import { brokerPid, formatCpu, postgresPids, type CpuGroup } from './lib/process-stats';
import { runRowCli, type RowOptions } from './lib/row';
import { epochMs, pairedRatio, spread } from './lib/stats';
import { measureSide, noopWorkerEnv, openOffloadPublisher, type SideRun } from './queue-overhead';

const ROW = '5 scale-out';
export const PROCESS_COUNTS = [1, 2, 4] as const;

type Work = 'noop' | 'watermark';

const WORK_LABEL: Record<Work, string> = { noop: 'no-op', watermark: 'watermark 640×480' };

/** One kind of work on one record store. */
interface Mode {
  work: Work;
  variant: RecordStoreVariant;
}

const modeName = (mode: Mode) => `${mode.work}-${mode.variant.tag}`;

interface Setup {
  processes: number;
  /** The broker, and PostgreSQL when the records are there (SQLite's CPU is the workers'). */
  servers: Record<string, CpuGroup>;
  pool: ConsumerPool;
  publish: (n: number) => Promise<void>;
  close: () => Promise<void>;
}

async function setUp(mode: Mode, processes: number, dataDir: string, imageKeys: string[], options: RowOptions): Promise<Setup> {
  // One topology per process count, so idle pools never take the others' tasks.
  const prefix = `bench-so-${modeName(mode)}-${processes}-${process.pid}-${Date.now().toString(36)}`;
  const publisher = await openOffloadPublisher(prefix);
  const env =
    mode.work === 'watermark'
      ? { ...process.env, QUEUE_PREFIX: prefix, DATA_DIR: dataDir, WORKER_TASK_TYPES: 'watermark', WORKER_HTTP_PORT: '0', LOG_LEVEL: 'warn', ...mode.variant.env }
      : { ...noopWorkerEnv(prefix, dataDir), ...mode.variant.env };
  let pool: ConsumerPool;
  try {
    pool = await startConsumers(join(ROOT, 'bench/lib/offload-worker.ts'), processes, {
      log: `scale-out-${modeName(mode)}-${processes}`,
      env,
      args: [mode.work],
      ...(options.profileDir ? { profileDir: options.profileDir } : {}),
    });
  } catch (err) {
    await publisher.close();
    await deleteTestTopology(prefix);
    throw err;
  }
  const options_ = watermarkOptionsSchema.parse({ ...WATERMARK_FIELDS, opacity: Number(WATERMARK_FIELDS.opacity), size: Number(WATERMARK_FIELDS.size), margin: Number(WATERMARK_FIELDS.margin) });
  let next = 0;
  const watermarkTask = () => {
    const id = randomUUID();
    const at = epochMs();
    const image = imageKeys[next++ % imageKeys.length] as string;
    const body = encodeTaskPayload({ v: 1, id, task_type: 'watermark', content: { image, watermark: { ...options_, text: `t=${at.toFixed(3)}` } }, created_at: new Date(at).toISOString(), retry_count: 0 });
    return { id, body: Buffer.from(body) };
  };
  return {
    processes,
    servers: { broker: await brokerPid(), ...(mode.variant.name === 'PostgreSQL' ? { postgres: postgresPids(RECORD_STORE_URL) } : {}) },
    pool,
    publish: (n) => publisher.publishMany(n, mode.work === 'watermark' ? watermarkTask : () => offloadNoopTask(epochMs())),
    close: async () => {
      await pool.stop();
      await publisher.close();
      await deleteTestTopology(prefix);
    },
  };
}

export async function measureScaleOut(options: RowOptions): Promise<RowResult> {
  const begun = Date.now();
  const tasks: Record<Work, number> = { noop: options.quick ? 3_000 : 6_000, watermark: options.quick ? 120 : 400 };
  const { variants, skipped } = await recordStoreVariants();
  const modes: Mode[] = (['noop', 'watermark'] as const).flatMap((work) => variants.map((variant) => ({ work, variant })));
  const dataDir = options.dataDir;
  const runs: Record<string, Record<number, SideRun[]>> = Object.fromEntries(modes.map((m) => [modeName(m), {}]));
  const storage = await openStorage({ dataDir });
  const imageKeys: string[] = [];
  for (const image of (await benchImages({ width: 640, height: 480 })).buffers) {
    const key = newUploadKey();
    await storage.blobs.put(key, image);
    imageKeys.push(key);
  }
  await storage.close();
  for (const mode of modes) {
    const setups: Setup[] = [];
    try {
      for (const n of PROCESS_COUNTS) setups.push(await setUp(mode, n, dataDir, imageKeys, options));
      for (const s of setups) await measureSide(s.pool, Math.ceil(tasks[mode.work] / 10), s.publish, s.servers);
      for (let run = 0; run < options.runs; run++) {
        for (let k = 0; k < setups.length; k++) {
          const s = setups[(run + k) % setups.length] as Setup;
          const result = await measureSide(s.pool, tasks[mode.work], s.publish, s.servers);
          ((runs[modeName(mode)] ??= {})[s.processes] ??= []).push(result);
          options.log(`scale-out run ${run + 1}/${options.runs} ${WORK_LABEL[mode.work]}, ${mode.variant.name} × ${s.processes} process(es): ${result.tasksPerSec.toFixed(0)} tasks/s; CPU ms/task ${formatCpu(result.cpuMsPerTask)}`);
        }
      }
    } finally {
      for (const s of setups) await s.close().catch(() => undefined);
    }
  }
  const watermarkConcurrency = loadWorkerConfig({}).WORKER_CONCURRENCY;
  const lines: TableLine[] = [];
  for (const mode of modes) {
    const one = runs[modeName(mode)]?.[1] ?? [];
    for (const n of PROCESS_COUNTS) {
      const these = runs[modeName(mode)]?.[n] ?? [];
      lines.push({
        row: ROW,
        metric: `${WORK_LABEL[mode.work]} tasks/s, ${mode.variant.name}, ${n} worker process${n > 1 ? 'es' : ''}`,
        unit: 'per_s',
        offload: spread(these.map((r) => r.tasksPerSec)),
        ...(n > 1 ? { baseline: { name: '1 worker process', value: spread(one.map((r) => r.tasksPerSec)) }, ratio: pairedRatio(these.map((r) => r.tasksPerSec), one.map((r) => r.tasksPerSec)) } : {}),
        ...(n === 1 && mode.variant.name === 'SQLite' ? { note: mode.work !== 'watermark' ? 'WORKER_CONCURRENCY=50 per process' : `WORKER_CONCURRENCY=${watermarkConcurrency} (default) per process; 2 cores` } : {}),
      });
    }
  }
  if (skipped) lines.push({ row: ROW, metric: 'tasks/s, PostgreSQL', unit: 'per_s', note: skipped });
  return { row: ROW, lines, details: { tasks, runs, storesSkipped: skipped }, seconds: (Date.now() - begun) / 1000 };
}

if (require.main === module) runRowCli(measureScaleOut);
