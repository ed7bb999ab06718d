// Row 5, scale-out: tasks/s with 1, 2 and 4 offload worker processes (competing consumers on one
// queue), on no-op tasks (row 1's setup) and on real watermark tasks (640×480 JPEGs, the worker's
// sharp handler, its default WORKER_CONCURRENCY), and on no-op tasks with records in PostgreSQL. The
// baseline of each is 1 process, same run.
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
import { RECORD_STORE_URL, postgresVersion } from './lib/record-stores';
import type { RowResult, TableLine } from './lib/report';
import { brokerPid, formatCpu } from './lib/process-stats';
import { runRowCli, type RowOptions } from './lib/row';
import { epochMs, pairedRatio, spread } from './lib/stats';
import { measureSide, noopWorkerEnv, openOffloadPublisher, type SideRun } from './queue-overhead';

const ROW = '5 scale-out';
export const PROCESS_COUNTS = [1, 2, 4] as const;

type Mode = 'noop' | 'noop-postgres' | 'watermark';

const MODE_LABEL: Record<Mode, string> = { noop: 'no-op', 'noop-postgres': 'no-op (records in PostgreSQL)', watermark: 'watermark 640×480' };

interface Setup {
  processes: number;
  broker: number | undefined;
  pool: ConsumerPool;
  publish: (n: number) => Promise<void>;
  close: () => Promise<void>;
}

async function setUp(mode: Mode, processes: number, dataDir: string, imageKeys: string[], options: RowOptions): Promise<Setup> {
  // One topology per process count, so idle pools never take the others' tasks.
  const prefix = `bench-so-${mode}-${processes}-${process.pid}-${Date.now().toString(36)}`;
  const publisher = await openOffloadPublisher(prefix);
  const env =
    mode === 'watermark'
      ? { ...process.env, QUEUE_PREFIX: prefix, DATA_DIR: dataDir, WORKER_TASK_TYPES: 'watermark', WORKER_HTTP_PORT: '0', LOG_LEVEL: 'warn', RECORD_STORE_URL: '' }
      : { ...noopWorkerEnv(prefix, dataDir), RECORD_STORE_URL: mode === 'noop-postgres' ? RECORD_STORE_URL : '' };
  let pool: ConsumerPool;
  try {
    pool = await startConsumers(join(ROOT, 'bench/lib/offload-worker.ts'), processes, {
      log: `scale-out-${mode}-${processes}`,
      env,
      args: [mode === 'watermark' ? 'watermark' : 'noop'],
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
    broker: await brokerPid(),
    pool,
    publish: (n) => publisher.publishMany(n, mode === 'watermark' ? watermarkTask : () => offloadNoopTask(epochMs())),
    close: async () => {
      await pool.stop();
      await publisher.close();
      await deleteTestTopology(prefix);
    },
  };
}

export async function measureScaleOut(options: RowOptions): Promise<RowResult> {
  const begun = Date.now();
  const tasks: Record<Mode, number> = { noop: options.quick ? 3_000 : 6_000, 'noop-postgres': options.quick ? 3_000 : 6_000, watermark: options.quick ? 120 : 400 };
  const postgres = await postgresVersion();
  const modes: Mode[] = 'error' in postgres ? ['noop', 'watermark'] : ['noop', 'noop-postgres', 'watermark'];
  const dataDir = options.dataDir;
  const runs: Record<Mode, Record<number, SideRun[]>> = { noop: {}, 'noop-postgres': {}, watermark: {} };
  const storage = await openStorage({ dataDir });
  const imageKeys: string[] = [];
  for (const image of (await benchImages({ width: 640, height: 480 })).buffers) {
    const key = newUploadKey();
    await storage.blobs.put(key, image);
    imageKeys.push(key);
  }
  for (const mode of modes) {
    const setups: Setup[] = [];
    try {
      for (const n of PROCESS_COUNTS) setups.push(await setUp(mode, n, dataDir, imageKeys, options));
      for (const s of setups) await measureSide(s.pool, Math.ceil(tasks[mode] / 10), s.publish, { broker: s.broker });
      for (let run = 0; run < options.runs; run++) {
        for (let k = 0; k < setups.length; k++) {
          const s = setups[(run + k) % setups.length] as Setup;
          const result = await measureSide(s.pool, tasks[mode], s.publish, { broker: s.broker });
          (runs[mode][s.processes] ??= []).push(result);
          options.log(`scale-out run ${run + 1}/${options.runs} ${mode} × ${s.processes} process(es): ${result.tasksPerSec.toFixed(0)} tasks/s; CPU ms/task ${formatCpu(result.cpuMsPerTask)}`);
        }
      }
    } finally {
      for (const s of setups) await s.close().catch(() => undefined);
    }
  }
  const watermarkConcurrency = loadWorkerConfig({}).WORKER_CONCURRENCY;
  const lines: TableLine[] = [];
  for (const mode of modes) {
    const one = runs[mode][1] ?? [];
    for (const n of PROCESS_COUNTS) {
      const these = runs[mode][n] ?? [];
      lines.push({
        row: ROW,
        metric: `${MODE_LABEL[mode]} tasks/s, ${n} worker process${n > 1 ? 'es' : ''}`,
        unit: 'per_s',
        offload: spread(these.map((r) => r.tasksPerSec)),
        ...(n > 1 ? { baseline: { name: '1 worker process', value: spread(one.map((r) => r.tasksPerSec)) }, ratio: pairedRatio(these.map((r) => r.tasksPerSec), one.map((r) => r.tasksPerSec)) } : {}),
        ...(n === 1 ? { note: mode !== 'watermark' ? 'WORKER_CONCURRENCY=50 per process' : `WORKER_CONCURRENCY=${watermarkConcurrency} (default) per process; 2 cores` } : {}),
      });
    }
  }
  return { row: ROW, lines, details: { tasks, runs }, seconds: (Date.now() - begun) / 1000 };
}

if (require.main === module) runRowCli(measureScaleOut);
