// Row 1, queue overhead: N no-op tasks through offload's publisher and worker runtime, against raw
// amqplib and BullMQ moving the same ~1 KB task, all measured in this run. offload runs twice:
// records in SQLite in DATA_DIR (the default) and in PostgreSQL (RECORD_STORE_URL, the local server).
// BullMQ keeps its jobs in the local Redis.
//   npx tsx bench/queue-overhead.ts [--quick] [--runs N] [--profile DIR]
//
// Layout, the same on every side: this process publishes (window of 256 unconfirmed / pending
// adds), one child process consumes (prefetch / concurrency 50) and reports over IPC when each
// task is settled (offload: acked after its records are stored; raw: acked; BullMQ: completed).
// tasks/s = N ÷ (first publish → last task settled). Latency = publish → handler start.
// With SQLite, offload also runs a side that publishes the same tasks at priority `high` (routing
// key `watermark.high`, so through the type's high work queue), to the same worker process.
// And a side with tracing on (OpenTelemetry, every span sampled, OTLP/HTTP protobuf to a local
// receiver in this process): the publisher here and a worker of its own; tracing off is the plain
// SQLite side, interleaved with it.
import { join } from 'node:path';
import amqplib from 'amqplib';
import { buildTopology, workRoutingKey, type TaskPriority } from '@offload/contracts';
import { connectBroker, createPublisher, waitForBroker } from '@offload/broker';
import { createLogger, shutdownTracing, startTracing } from '@offload/telemetry';
import { deleteTestTopology } from '@offload/test-support';
import { addInBulk, addOne, addOneAtATime, openQueue, redisVersion } from './lib/bullmq';
import { ROOT } from './lib/child';
import { startConsumers, type ConsumerPool } from './lib/consumer-pool';
import { noopPayload, offloadNoopTask } from './lib/noop-task';
import { offloadSide, RECORD_STORE_URL, recordStoreVariants, SQLITE_VARIANT, type RecordStoreVariant } from './lib/record-stores';
import { AMQP_URL, assertRawQueue, deleteRawQueue, publishOne, publishWindowed } from './lib/raw-amqp';
import type { RowResult, TableLine } from './lib/report';
import { runRowCli, type RowOptions } from './lib/row';
import { brokerPid, cpuDuring, formatCpu, perItem, postgresPids, redisPid, type CpuGroup } from './lib/process-stats';
import { epochMs, latency, pairedRatio, spread, type Latency } from './lib/stats';
import { paced, windowed } from './lib/windowed';
import { startOtlpSink } from './lib/otlp-sink';

export const PUBLISH_WINDOW = 256;
export const PREFETCH = 50;
/** The paced latency pass: well below every side's capacity on this machine. */
export const PACED_RATE = 200;
const ROW = '1 queue overhead';
/** offload with SQLite, every task published at priority `high`. */
const HIGH_PRIORITY_SIDE = `${offloadSide(SQLITE_VARIANT)}, priority high`;
/** offload with SQLite, tracing on: every span sampled and exported. */
const TRACED_SIDE = `${offloadSide(SQLITE_VARIANT)}, traced`;

/** The standard variables that turn tracing on, for the traced side's worker and publisher. */
export function tracingEnv(endpoint: string): Record<string, string> {
  return { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf', OTEL_TRACES_SAMPLER: 'always_on' };
}

export interface SideRun {
  tasksPerSec: number;
  /** CPU ms per task of the consumer process(es), the servers (broker, PostgreSQL or Redis), and this (publishing) process. */
  cpuMsPerTask: Record<string, number>;
  /** Publish rate alone: N ÷ (first publish → last confirm / add). */
  publishedPerSec: number;
  latency: Latency;
}

/** Resets the consumers, publishes `n` tasks, waits until all are settled. */
export async function measureSide(pool: ConsumerPool, n: number, publish: (n: number) => Promise<void>, servers: Record<string, CpuGroup> = {}): Promise<SideRun> {
  await pool.reset();
  const started = epochMs();
  let published = 0;
  const { cpuMs } = await cpuDuring({ consumer: pool.pids, ...servers }, async () => {
    await publish(n);
    published = epochMs();
    // A floor of 100 tasks/s: slower than that is a fault, not a figure.
    await pool.waitForCompleted(n, Math.max(60_000, n * 10));
  });
  const report = await pool.report();
  return {
    tasksPerSec: n / ((report.lastAt - started) / 1000),
    cpuMsPerTask: perItem(cpuMs, n),
    publishedPerSec: n / ((published - started) / 1000),
    latency: latency(report.latenciesMs),
  };
}

/** Env of an offload worker process for the no-op benches (row 1 and row 5). */
export function noopWorkerEnv(prefix: string, dataDir: string): NodeJS.ProcessEnv {
  return { ...process.env, QUEUE_PREFIX: prefix, DATA_DIR: dataDir, WORKER_TASK_TYPES: 'watermark', WORKER_CONCURRENCY: String(PREFETCH), WORKER_HTTP_PORT: '0', LOG_LEVEL: 'warn' };
}

/** offload's publisher in this process, for a topology prefix (it asserts the topology). */
export async function openOffloadPublisher(prefix: string) {
  const logger = createLogger({ name: 'bench-publisher', level: 'warn' });
  const manager = connectBroker({ url: AMQP_URL, logger, connectionName: 'offload-bench-publisher' });
  await waitForBroker(manager, AMQP_URL, 10_000);
  const topology = buildTopology(prefix);
  const publisher = createPublisher({ manager, topology, logger });
  await publisher.waitForReady();
  return {
    topology,
    /** One watermark task, to its work queue for `priority` (the normal one when absent). */
    publishOne: (task: { id: string; body: Buffer }, priority?: TaskPriority) =>
      publisher.publish({ exchange: topology.taskExchange, routingKey: workRoutingKey('watermark', priority), body: task.body, messageId: task.id, type: 'watermark' }),
    /** Publishes `n` watermark tasks built by `task` just before each goes, PUBLISH_WINDOW unconfirmed at most. */
    publishMany: (n: number, task: () => { id: string; body: Buffer }, priority?: TaskPriority) =>
      windowed(n, PUBLISH_WINDOW, () => {
        const { id, body } = task();
        return publisher.publish({ exchange: topology.taskExchange, routingKey: workRoutingKey('watermark', priority), body, messageId: id, type: 'watermark' });
      }),
    close: async () => {
      await publisher.close();
      await manager.close();
    },
  };
}

interface Side {
  name: string;
  pool: ConsumerPool;
  /** Server processes whose CPU the side uses (the broker, PostgreSQL, or Redis). */
  servers: Record<string, CpuGroup>;
  publish: (n: number) => Promise<void>;
  /** One task now; for the paced latency pass (sides without it are not paced). */
  publishOne?: () => Promise<unknown>;
}

/** Publish→handler latency at a paced load every side sustains, so no backlog builds up. */
export async function measurePaced(pool: ConsumerPool, n: number, ratePerSec: number, publishOne: () => Promise<unknown>): Promise<Latency> {
  await pool.reset();
  await paced(n, ratePerSec, publishOne);
  await pool.waitForCompleted(n, 60_000);
  return latency((await pool.report()).latenciesMs);
}

export async function measureQueueOverhead(options: RowOptions): Promise<RowResult> {
  const begun = Date.now();
  const tasks = options.quick ? 5_000 : 20_000;
  const warmup = options.quick ? 1_000 : 2_000;
  const pacedTasks = options.quick ? 400 : 1_000;
  const prefix = `bench-qo-${process.pid}-${Date.now().toString(36)}`;
  const rawQueue = `${prefix}.raw`;
  const bullQueueName = `${prefix}-bullmq`;
  const dataDir = options.dataDir;
  const cleanups: (() => Promise<unknown>)[] = [];
  const sides: Side[] = [];
  let bullmqSkipped: string | undefined;
  let storesSkipped: string | undefined;
  const offloadVariants: RecordStoreVariant[] = [];
  try {
    // offload: its publisher here, its worker runtime (createWorker, no-op handler) in a child;
    // once with records in SQLite (the default) and once in PostgreSQL.
    const broker = await brokerPid();
    const { variants, skipped } = await recordStoreVariants();
    storesSkipped = skipped;
    for (const variant of variants) {
      // A topology per variant: two worker pools on one queue would split the tasks.
      const variantPrefix = `${prefix}-${variant.tag}`;
      const offload = await openOffloadPublisher(variantPrefix);
      cleanups.push(() => offload.close(), () => deleteTestTopology(variantPrefix));
      const offloadPool = await startConsumers(join(ROOT, 'bench/lib/offload-worker.ts'), 1, {
        log: `queue-overhead-offload-worker-${variant.tag}`,
        env: { ...noopWorkerEnv(variantPrefix, dataDir), ...variant.env },
        args: ['noop'],
        ...(options.profileDir ? { profileDir: options.profileDir } : {}),
      });
      cleanups.unshift(() => offloadPool.stop());
      offloadVariants.push(variant);
      sides.push({
        name: offloadSide(variant),
        pool: offloadPool,
        // SQLite runs inside the worker process, so its CPU is the consumer's.
        servers: variant.name === 'PostgreSQL' ? { broker, postgres: postgresPids(RECORD_STORE_URL) } : { broker },
        publish: (n) => offload.publishMany(n, () => offloadNoopTask(epochMs())),
        publishOne: () => offload.publishOne(offloadNoopTask(epochMs())),
      });
      if (variant.name === 'SQLite') {
        // The same tasks at priority high, through the high work queue, to the same worker.
        sides.push({
          name: HIGH_PRIORITY_SIDE,
          pool: offloadPool,
          servers: { broker },
          publish: (n) => offload.publishMany(n, () => offloadNoopTask(epochMs(), 'high'), 'high'),
          publishOne: () => offload.publishOne(offloadNoopTask(epochMs(), 'high'), 'high'),
        });
      }
    }

    // offload with SQLite and tracing on: its own topology and worker (with the OTEL_* variables);
    // the publisher here traces only while this side publishes (the SDK is global to a process).
    if (offloadVariants.some((v) => v.name === SQLITE_VARIANT.name)) {
      const sink = await startOtlpSink();
      const tracedPrefix = `${prefix}-traced`;
      const traced = await openOffloadPublisher(tracedPrefix);
      cleanups.push(() => traced.close(), () => deleteTestTopology(tracedPrefix), () => sink.close());
      const tracedPool = await startConsumers(join(ROOT, 'bench/lib/offload-worker.ts'), 1, {
        log: 'queue-overhead-offload-worker-traced',
        env: { ...noopWorkerEnv(tracedPrefix, dataDir), ...SQLITE_VARIANT.env, ...tracingEnv(sink.url) },
        args: ['noop'],
      });
      cleanups.unshift(() => tracedPool.stop());
      sides.push({
        name: TRACED_SIDE,
        pool: tracedPool,
        servers: { broker },
        publish: async (n) => {
          startTracing({ defaultServiceName: 'offload-bench-publisher', env: tracingEnv(sink.url) });
          try {
            await traced.publishMany(n, () => offloadNoopTask(epochMs()));
          } finally {
            // Flushes what is left: the export is part of the side's cost.
            await shutdownTracing();
          }
        },
      });
    }

    // raw amqplib: a ConfirmChannel with a window of 256 outstanding confirms, same queue type.
    const connection = await amqplib.connect(AMQP_URL);
    const channel = await connection.createConfirmChannel();
    await assertRawQueue(channel, rawQueue);
    cleanups.push(() => connection.close(), () => deleteRawQueue(rawQueue));
    const rawPool = await startConsumers(join(ROOT, 'bench/lib/raw-amqp-consumer.ts'), 1, { log: 'queue-overhead-raw-consumer', args: [rawQueue] });
    cleanups.unshift(() => rawPool.stop());
    sides.push({
      name: 'raw amqplib',
      pool: rawPool,
      servers: { broker },
      publish: (n) => publishWindowed(channel, `${rawQueue}.x`, rawQueue, n, PUBLISH_WINDOW, () => Buffer.from(JSON.stringify(noopPayload(epochMs())))),
      publishOne: () => publishOne(channel, `${rawQueue}.x`, rawQueue, Buffer.from(JSON.stringify(noopPayload(epochMs())))),
    });

    // BullMQ on the local Redis: one add per job (window 256), and addBulk (chunks of 1000).
    const redisCheck = await redisVersion();
    if ('error' in redisCheck) {
      bullmqSkipped = redisCheck.error;
    } else {
      const queue = openQueue(bullQueueName);
      cleanups.push(async () => {
        await queue.obliterate({ force: true });
        await queue.close();
      });
      const bullPool = await startConsumers(join(ROOT, 'bench/lib/bullmq-worker.ts'), 1, { log: 'queue-overhead-bullmq-worker', args: [bullQueueName] });
      cleanups.unshift(() => bullPool.stop());
      const redis = { redis: await redisPid() };
      sides.push({ name: 'BullMQ add', pool: bullPool, servers: redis, publish: (n) => addOneAtATime(queue, n, PUBLISH_WINDOW), publishOne: () => addOne(queue) });
      sides.push({ name: 'BullMQ addBulk', pool: bullPool, servers: redis, publish: (n) => addInBulk(queue, n, 1_000) });
    }

    for (const side of sides) await measureSide(side.pool, warmup, side.publish, side.servers);
    const runs: Record<string, SideRun[]> = Object.fromEntries(sides.map((s) => [s.name, []]));
    const pacedRuns: Record<string, Latency[]> = {};
    for (let run = 0; run < options.runs; run++) {
      // Interleaved, and the order rotates so no side always runs first.
      for (let k = 0; k < sides.length; k++) {
        const side = sides[(run + k) % sides.length] as Side;
        const result = await measureSide(side.pool, tasks, side.publish, side.servers);
        runs[side.name]?.push(result);
        let pacedNote = '';
        if (side.publishOne) {
          const l = await measurePaced(side.pool, pacedTasks, PACED_RATE, side.publishOne);
          (pacedRuns[side.name] ??= []).push(l);
          pacedNote = `; at ${PACED_RATE}/s p50 ${l.p50.toFixed(1)} ms p99 ${l.p99.toFixed(1)} ms`;
        }
        options.log(
          `queue overhead run ${run + 1}/${options.runs} ${side.name.padEnd(18)} ${Math.round(result.tasksPerSec)} tasks/s (published ${Math.round(result.publishedPerSec)}/s), latency at saturation p50 ${result.latency.p50.toFixed(0)} ms p99 ${result.latency.p99.toFixed(0)} ms${pacedNote}; CPU ms/task ${formatCpu(result.cpuMsPerTask)}`,
        );
      }
    }
    return {
      row: ROW,
      lines: tableLines(runs, pacedRuns, bullmqSkipped, offloadVariants, storesSkipped),
      details: { tasks, warmup, publishWindow: PUBLISH_WINDOW, prefetch: PREFETCH, pacedRate: PACED_RATE, pacedTasks, runs, pacedRuns, bullmqSkipped, storesSkipped },
      seconds: (Date.now() - begun) / 1000,
    };
  } finally {
    for (const cleanup of cleanups) await cleanup().catch(() => undefined);
  }
}

function tableLines(
  runs: Record<string, SideRun[]>,
  pacedLatencies: Record<string, Latency[]>,
  bullmqSkipped: string | undefined,
  variants: readonly RecordStoreVariant[],
  storesSkipped: string | undefined,
): TableLine[] {
  const lines: TableLine[] = [];
  for (const variant of variants) {
    const offload = runs[offloadSide(variant)] ?? [];
    const against = (name: string, target: string | undefined, pass: (ratio: number) => boolean) => {
      const base = runs[name];
      const metric = `tasks/s, ${variant.name}`;
      if (!base) {
        lines.push({ row: ROW, metric, unit: 'per_s', offload: spread(offload.map((r) => r.tasksPerSec)), baseline: { name, value: spread([]) }, ...(target ? { target } : {}), note: `${name} not measured: ${bullmqSkipped ?? 'unknown'}` });
        return;
      }
      const ratio = pairedRatio(offload.map((r) => r.tasksPerSec), base.map((r) => r.tasksPerSec));
      lines.push({
        row: ROW,
        metric,
        unit: 'per_s',
        offload: spread(offload.map((r) => r.tasksPerSec)),
        baseline: { name, value: spread(base.map((r) => r.tasksPerSec)) },
        ratio,
        ...(target ? { target, met: pass(ratio.median) } : {}),
      });
    };
    // The targets: with the default store at least half of raw amqplib; with PostgreSQL
    // above BullMQ's `add` (both keep a record per task in a server).
    const sqlite = variant.name === 'SQLite';
    against('raw amqplib', sqlite ? '≥ 0.5×' : undefined, (r) => r >= 0.5);
    against('BullMQ add', sqlite ? undefined : '> 1× (above BullMQ)', (r) => r > 1);
    against('BullMQ addBulk', undefined, () => false);
  }
  if (storesSkipped) lines.push({ row: ROW, metric: 'tasks/s, PostgreSQL', unit: 'per_s', note: storesSkipped });
  const high = runs[HIGH_PRIORITY_SIDE];
  const normal = runs[offloadSide(SQLITE_VARIANT)];
  if (high && normal) {
    lines.push({
      row: ROW,
      metric: 'tasks/s, SQLite, priority high',
      unit: 'per_s',
      offload: spread(high.map((r) => r.tasksPerSec)),
      baseline: { name: 'offload SQLite, priority normal', value: spread(normal.map((r) => r.tasksPerSec)) },
      ratio: pairedRatio(high.map((r) => r.tasksPerSec), normal.map((r) => r.tasksPerSec)),
      note: 'published with routing key watermark.high (the high work queue), to the same worker process; every worker consumes both queues of its types, so the normal side already pays for an idle consumer on the high queue',
    });
  }
  const traced = runs[TRACED_SIDE];
  if (traced && normal) {
    lines.push({
      row: ROW,
      metric: 'tasks/s, SQLite, tracing on',
      unit: 'per_s',
      offload: spread(traced.map((r) => r.tasksPerSec)),
      baseline: { name: 'offload SQLite, tracing off', value: spread(normal.map((r) => r.tasksPerSec)) },
      ratio: pairedRatio(traced.map((r) => r.tasksPerSec), normal.map((r) => r.tasksPerSec)),
      note: 'OpenTelemetry on in the publisher and the worker, OTEL_TRACES_SAMPLER=always_on, OTLP/HTTP protobuf to a local receiver (batch processor defaults); 5 spans per task: send, process, record ×2, ack',
    });
  }
  const latencyLines = (label: string, of: Record<string, Latency[]>) => {
    for (const variant of variants) {
      for (const [metric, pick] of [
        ['p50', (l: Latency) => l.p50],
        ['p99', (l: Latency) => l.p99],
      ] as const) {
        for (const name of ['raw amqplib', 'BullMQ add', 'BullMQ addBulk']) {
          const base = of[name];
          const mine = of[offloadSide(variant)] ?? [];
          if (!base) continue;
          lines.push({
            row: ROW,
            metric: `publish→handler ${metric} ms, ${label}, ${variant.name}`,
            unit: 'ms',
            offload: spread(mine.map(pick)),
            baseline: { name, value: spread(base.map(pick)) },
            ratio: pairedRatio(mine.map(pick), base.map(pick)),
          });
        }
      }
    }
  };
  latencyLines(`paced ${PACED_RATE}/s`, pacedLatencies);
  latencyLines('at saturation', Object.fromEntries(Object.entries(runs).map(([k, v]) => [k, v.map((r) => r.latency)])));
  return lines;
}

if (require.main === module) runRowCli(measureQueueOverhead);
