// Row 2, API intake: autocannon (50 connections) POSTing a ~1 KB JSON task to the BUILT API (no
// worker runs; the queue is purged after each run), against a bare Express 5 route that awaits a
// broker confirm per request on one shared ConfirmChannel, and the same route with no broker.
// offload runs twice: records in SQLite in DATA_DIR (the default) and in PostgreSQL (RECORD_STORE_URL).
//   npx tsx bench/api-intake.ts [--quick] [--runs N] [--profile DIR]
import { join } from 'node:path';
import amqplib from 'amqplib';
import autocannon from 'autocannon';
import { buildTopology } from '@offload/contracts';
import { deleteTestTopology } from '@offload/test-support';
import { ROOT, spawnNode, stopChild } from './lib/child';
import { AMQP_URL, deleteRawQueue } from './lib/raw-amqp';
import type { RowResult, TableLine } from './lib/report';
import { brokerPid, cpuDuring, formatCpu, perItem, postgresPids, type CpuGroup } from './lib/process-stats';
import { offloadSide, RECORD_STORE_URL, recordStoreVariants, type RecordStoreVariant } from './lib/record-stores';
import { runRowCli, type RowOptions } from './lib/row';
import { freePort, startApi, waitReady, type Service } from './lib/services';
import { pairedRatio, spread } from './lib/stats';

const ROW = '2 API intake';
export const CONNECTIONS = 50;

/** An analysis task with inline rows: a valid `POST /v1/tasks` body of about 1 KB. */
export function intakeBody(): string {
  const cities = ['Lisbon', 'Oslo', 'Nairobi', 'Lima', 'Osaka', 'Perth', 'Quebec', 'Tunis', 'Hanoi', 'Cusco', 'Bergen', 'Accra', 'Leeds', 'Porto'];
  const rows = cities.map((city, i) => ({ city, temp_c: 10 + ((i * 7) % 23) + 0.5, humidity: 40 + ((i * 13) % 50), sunny: i % 3 === 0 }));
  return JSON.stringify({ task_type: 'analysis', content: { rows, group_by: 'sunny', histogram_bins: 5 } });
}

export interface IntakeRun {
  reqPerSec: number;
  /** CPU ms per 202 of the server process, the broker, PostgreSQL when records are there (and of autocannon, as bench). */
  cpuMsPerRequest: Record<string, number>;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
}

async function load(base: string, body: string, seconds: number, pids: Record<string, CpuGroup>): Promise<IntakeRun> {
  const { result, cpuMs } = await cpuDuring(pids, () =>
    autocannon({
    url: `${base}/v1/tasks`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
      connections: CONNECTIONS,
      duration: seconds,
    }),
  );
  return { reqPerSec: result['2xx'] / result.duration, cpuMsPerRequest: perItem(cpuMs, Math.max(1, result['2xx'])), p50Ms: result.latency.p50, p99Ms: result.latency.p99, non2xx: result.non2xx, errors: result.errors + result.timeouts };
}

async function startBare(mode: 'confirm' | 'none', queue: string): Promise<Service> {
  const port = await freePort();
  const child = spawnNode(join(ROOT, 'bench/lib/bare-express.ts'), { log: `api-intake-bare-${mode}.log`, args: [String(port), mode, queue] });
  const base = `http://127.0.0.1:${port}`;
  await waitReady(child, `${base}/readyz`, `bare Express (${mode})`);
  return { base, child, stop: () => stopChild(child) };
}

async function purge(queue: string): Promise<void> {
  const connection = await amqplib.connect(AMQP_URL);
  try {
    const channel = await connection.createChannel();
    await channel.purgeQueue(queue);
    await channel.close();
  } finally {
    await connection.close();
  }
}

export async function measureApiIntake(options: RowOptions): Promise<RowResult> {
  const begun = Date.now();
  const seconds = options.quick ? 3 : 10;
  const prefix = `bench-ai-${process.pid}-${Date.now().toString(36)}`;
  const topology = buildTopology(prefix);
  const bareQueue = `${prefix}.bare`;
  const dataDir = options.dataDir;
  const body = intakeBody();
  const services: Service[] = [];
  try {
    // offload's API once per record store: the default (SQLite) and, when it answers, PostgreSQL.
    const { variants, skipped } = await recordStoreVariants();
    const apis = [];
    for (const variant of variants) {
      const api = await startApi(
        { ...process.env, QUEUE_PREFIX: prefix, DATA_DIR: dataDir, LOG_LEVEL: 'warn', ...variant.env },
        `api-intake-api-${variant.tag}.log`,
        options.profileDir,
      );
      services.push(api);
      apis.push({ variant, api });
    }
    const bare = await startBare('confirm', bareQueue);
    services.push(bare);
    const ceiling = await startBare('none', bareQueue);
    services.push(ceiling);
    const broker = await brokerPid();
    const targets: { name: string; base: string; queue: string | undefined; pids: Record<string, CpuGroup> }[] = [
      ...apis.map(({ variant, api }) => ({
        name: offloadSide(variant),
        base: api.base,
        queue: topology.workQueues.analysis,
        // SQLite runs inside the API process, so its CPU is the server's.
        pids: { server: api.child.pid, broker, ...(variant.name === 'PostgreSQL' ? { postgres: postgresPids(RECORD_STORE_URL) } : {}) },
      })),
      { name: 'bare Express + confirm', base: bare.base, queue: bareQueue, pids: { server: bare.child.pid, broker } },
      { name: 'bare Express, no broker', base: ceiling.base, queue: undefined, pids: { server: ceiling.child.pid, broker } },
    ];
    for (const t of targets) {
      await load(t.base, body, options.quick ? 1 : 2, t.pids);
      if (t.queue) await purge(t.queue);
    }
    const runs: Record<string, IntakeRun[]> = Object.fromEntries(targets.map((t) => [t.name, []]));
    for (let run = 0; run < options.runs; run++) {
      for (let k = 0; k < targets.length; k++) {
        const t = targets[(run + k) % targets.length] as (typeof targets)[number];
        const result = await load(t.base, body, seconds, t.pids);
        if (t.queue) await purge(t.queue);
        runs[t.name]?.push(result);
        options.log(
          `API intake run ${run + 1}/${options.runs} ${t.name.padEnd(24)} ${Math.round(result.reqPerSec)} req/s, p50 ${result.p50Ms} ms p99 ${result.p99Ms} ms${result.non2xx || result.errors ? `, ${result.non2xx} non-2xx, ${result.errors} errors` : ''}; CPU ms/request ${formatCpu(result.cpuMsPerRequest)}`,
        );
      }
    }
    return { row: ROW, lines: tableLines(runs, variants, skipped), details: { seconds, connections: CONNECTIONS, bodyBytes: Buffer.byteLength(body), runs, storesSkipped: skipped }, seconds: (Date.now() - begun) / 1000 };
  } finally {
    for (const s of services) await s.stop().catch(() => undefined);
    await deleteTestTopology(prefix).catch(() => undefined);
    await deleteRawQueue(bareQueue).catch(() => undefined);
  }
}

function tableLines(runs: Record<string, IntakeRun[]>, variants: readonly RecordStoreVariant[], storesSkipped: string | undefined): TableLine[] {
  const rps = (xs: IntakeRun[]) => xs.map((r) => r.reqPerSec);
  const p99 = (xs: IntakeRun[]) => xs.map((r) => r.p99Ms);
  const bare = runs['bare Express + confirm'] ?? [];
  const ceiling = runs['bare Express, no broker'] ?? [];
  const lines: TableLine[] = [];
  for (const variant of variants) {
    const offload = runs[offloadSide(variant)] ?? [];
    const failures = offload.reduce((s, r) => s + r.non2xx + r.errors, 0);
    const ratio = pairedRatio(rps(offload), rps(bare));
    // The issue's target is for the default store.
    const sqlite = variant.name === 'SQLite';
    lines.push(
      {
        row: ROW,
        metric: `req/s (202s), ${variant.name}`,
        unit: 'per_s',
        offload: spread(rps(offload)),
        baseline: { name: 'bare Express + confirm', value: spread(rps(bare)) },
        ratio,
        ...(sqlite ? { target: '≥ 0.7×', met: ratio.median >= 0.7 } : {}),
        ...(failures ? { note: `offload answered ${failures} requests with non-2xx or errors (not counted as req/s)` } : {}),
      },
      { row: ROW, metric: `p99 ms, ${variant.name}`, unit: 'ms', offload: spread(p99(offload)), baseline: { name: 'bare Express + confirm', value: spread(p99(bare)) }, ratio: pairedRatio(p99(offload), p99(bare)) },
      { row: ROW, metric: `req/s (202s), ${variant.name}`, unit: 'per_s', offload: spread(rps(offload)), baseline: { name: 'bare Express, no broker (ceiling)', value: spread(rps(ceiling)) }, ratio: pairedRatio(rps(offload), rps(ceiling)), target: 'stretch: close the gap' },
      { row: ROW, metric: `p99 ms, ${variant.name}`, unit: 'ms', offload: spread(p99(offload)), baseline: { name: 'bare Express, no broker (ceiling)', value: spread(p99(ceiling)) }, ratio: pairedRatio(p99(offload), p99(ceiling)) },
    );
  }
  if (storesSkipped) lines.push({ row: ROW, metric: 'req/s (202s), PostgreSQL', unit: 'per_s', note: storesSkipped });
  return lines;
}

if (require.main === module) runRowCli(measureApiIntake);
