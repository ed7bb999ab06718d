// Row 3, watermark end to end: photo-like JPEGs uploaded through the BUILT API (`POST /v1/images`)
// to the BUILT worker, each until its record reads `succeeded` (output stored), a few in flight;
// against sharp alone doing the same composite on the same files at its best concurrency (1, 2, 4).
// offload runs twice: records in SQLite in DATA_DIR (the default) and in PostgreSQL (RECORD_STORE_URL).
//   npx tsx bench/watermark-e2e.ts [--quick] [--runs N] [--profile DIR]
import { availableParallelism } from 'node:os';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { openStorage, type Storage } from '@offload/storage';
import { deleteTestTopology } from '@offload/test-support';
import { loadWorkerConfig } from '@offload/worker/testing';
import { ROOT, runForJson } from './lib/child';
import { benchImages, type ImageSize } from './lib/images';
import { watchRecords } from './lib/record-watch';
import { offloadSide, RECORD_STORE_URL, recordStoreVariants, type RecordStoreVariant } from './lib/record-stores';
import type { RowResult, TableLine } from './lib/report';
import { runRowCli, type RowOptions } from './lib/row';
import { multipartImage, type MultipartBody } from './lib/multipart';
import { brokerPid, cpuDuring, formatCpu, perItem, postgresPids, type CpuGroup } from './lib/process-stats';
import { startApi, startWorker, type Service } from './lib/services';
import { epochMs, latency, pairedRatio, spread, type Latency } from './lib/stats';
import { windowed } from './lib/windowed';

const ROW = '3 watermark e2e';
/** Uploads in flight from the client. */
export const IN_FLIGHT = 4;
export const SHARP_CONCURRENCIES = [1, 2, 4] as const;

interface ImagesRun {
  imagesPerSec: number;
  latency: Latency;
}

interface OffloadRun extends ImagesRun {
  /** CPU ms per image of each process while the run went on (bench = the uploading client). */
  cpuMsPerImage: Record<string, number>;
}

interface BaselineRun extends ImagesRun {
  cpuMsPerImage: number;
  concurrency: number;
  /** images/s at each concurrency tried in this run. */
  tried: Record<number, number>;
}

/** One run of sharp alone: every concurrency tried, back to back. */
interface SharpRun {
  byConcurrency: Record<number, ImagesRun & { cpuMsPerImage: number }>;
}

const triedRates = (run: SharpRun): Record<number, number> => Object.fromEntries(Object.entries(run.byConcurrency).map(([c, r]) => [c, r.imagesPerSec]));

/** The concurrency that did best in this one run. */
function bestInRun(run: SharpRun): number {
  let best = SHARP_CONCURRENCIES[0] as number;
  for (const c of SHARP_CONCURRENCIES) if ((run.byConcurrency[c]?.imagesPerSec ?? 0) > (run.byConcurrency[best]?.imagesPerSec ?? 0)) best = c;
  return best;
}

/**
 * Sharp alone at its best concurrency: the one with the highest median images/s over all runs,
 * then that concurrency's figure in each run. Taking each run's maximum of three noisy samples
 * instead would bias the baseline upwards on a shared machine (the expected maximum of three
 * draws sits well above their common mean), while offload gets one sample per run.
 */
function sharpBaseline(runs: readonly SharpRun[]): BaselineRun[] {
  let best = SHARP_CONCURRENCIES[0] as number;
  let bestMedian = -Infinity;
  for (const c of SHARP_CONCURRENCIES) {
    const median = spread(runs.map((r) => r.byConcurrency[c]?.imagesPerSec ?? NaN)).median;
    if (median > bestMedian) {
      best = c;
      bestMedian = median;
    }
  }
  return runs.map((run) => {
    const r = run.byConcurrency[best];
    if (!r) throw new Error(`no sharp alone run at ${best} in flight`);
    return { ...r, concurrency: best, tried: triedRates(run) };
  });
}

/**
 * One upload with node:http on a keep-alive socket: the pre-encoded body goes to the socket in one
 * write. The client shares the 2 cores with the processes measured, so it stays as cheap as a client
 * can be (fetch's web streams cost several ms of CPU per megabyte here).
 */
function post(agent: Agent, url: string, upload: MultipartBody): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent, headers: { 'content-type': upload.contentType, 'content-length': upload.body.length } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(upload.body);
  });
}

async function sharpAlone(paths: string[], count: number): Promise<SharpRun> {
  const byConcurrency: SharpRun['byConcurrency'] = {};
  for (const concurrency of SHARP_CONCURRENCIES) {
    const r = await runForJson<{ imagesPerSec: number; latenciesMs: number[]; cpuMsPerImage: number }>(join(ROOT, 'bench/lib/sharp-alone.ts'), {
      log: 'sharp-alone.log',
      args: [String(concurrency), String(count), ...paths],
    });
    byConcurrency[concurrency] = { imagesPerSec: r.imagesPerSec, latency: latency(r.latenciesMs), cpuMsPerImage: r.cpuMsPerImage };
  }
  return { byConcurrency };
}

export async function measureWatermarkE2e(options: RowOptions): Promise<RowResult> {
  const begun = Date.now();
  const sizes: (ImageSize & { count: number })[] = [
    { width: 1920, height: 1080, count: options.quick ? 16 : 40 },
    { width: 4000, height: 3000, count: options.quick ? 6 : 12 },
  ];
  const prefix = `bench-wm-${process.pid}-${Date.now().toString(36)}`;
  const dataDir = options.dataDir;
  // A watermark-only worker as the README's Scaling section sets one up: WORKER_CONCURRENCY at
  // twice the cores (sharp renders each image on one libvips thread).
  const env = { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: 'warn', WORKER_TASK_TYPES: 'watermark', WORKER_CONCURRENCY: String(2 * availableParallelism()) };
  const services: Service[] = [];
  const closers: (() => unknown)[] = [];
  const agent = new Agent({ keepAlive: true, maxSockets: IN_FLIGHT });
  const broker = await brokerPid();
  try {
    // offload once per record store (SQLite, the default; PostgreSQL when it answers), each an API and
    // a worker on a topology of their own; only the side being measured gets uploads.
    const { variants } = await recordStoreVariants();
    const offloads: { variant: RecordStoreVariant; run: (uploads: MultipartBody[], count: number) => Promise<OffloadRun> }[] = [];
    for (const variant of variants) {
      const variantPrefix = `${prefix}-${variant.tag}`;
      const variantEnv = { ...env, QUEUE_PREFIX: variantPrefix, ...variant.env };
      const api = await startApi(variantEnv, `watermark-e2e-api-${variant.tag}.log`, options.profileDir);
      services.push(api);
      const worker = await startWorker(variantEnv, `watermark-e2e-worker-${variant.tag}.log`, options.profileDir);
      services.push(worker);
      closers.push(() => deleteTestTopology(variantPrefix));
      const storage: Storage = await openStorage({ dataDir, recordStoreUrl: variant.env.RECORD_STORE_URL || undefined });
      closers.push(() => storage.close());
      const watcher = watchRecords(storage);
      closers.push(() => watcher.close());
      const submit = async (upload: MultipartBody): Promise<{ startedAt: number; doneAt: number }> => {
        const startedAt = epochMs();
        const { status, text } = await post(agent, `${api.base}/v1/images`, upload);
        if (status !== 202) throw new Error(`POST /v1/images answered ${status}: ${text.slice(0, 300)}`);
        const { id } = JSON.parse(text) as { id: string };
        return { startedAt, doneAt: await watcher.done(id) };
      };
      const run = async (uploads: MultipartBody[], count: number): Promise<OffloadRun> => {
        const latencies: number[] = [];
        let lastDone = 0;
        const started = epochMs();
        const servers: Record<string, CpuGroup> = { api: api.child.pid, worker: worker.child.pid, broker, ...(variant.name === 'PostgreSQL' ? { postgres: postgresPids(RECORD_STORE_URL) } : {}) };
        const { cpuMs } = await cpuDuring(servers, () =>
          windowed(count, IN_FLIGHT, async (i) => {
            const r = await submit(uploads[i % uploads.length] as MultipartBody);
            latencies.push(r.doneAt - r.startedAt);
            lastDone = Math.max(lastDone, r.doneAt);
          }),
        );
        return { imagesPerSec: count / ((lastDone - started) / 1000), latency: latency(latencies), cpuMsPerImage: perItem(cpuMs, count) };
      };
      offloads.push({ variant, run });
    }

    const inputs = await Promise.all(sizes.map(async (s) => ({ ...s, ...(await benchImages(s)) })));
    const uploads = new Map(inputs.map((i) => [i, i.buffers.map((b) => multipartImage(b))]));
    for (const input of inputs) for (const o of offloads) await o.run(uploads.get(input) ?? [], input.buffers.length);
    const runs: Record<string, { offload: Record<string, OffloadRun[]>; sharp: SharpRun[] }> = Object.fromEntries(
      inputs.map((i) => [`${i.width}×${i.height}`, { offload: Object.fromEntries(offloads.map((o) => [o.variant.name, []])), sharp: [] }]),
    );
    for (let run = 0; run < options.runs; run++) {
      for (const input of inputs) {
        const key = `${input.width}×${input.height}`;
        const sides = [
          ...offloads.map((o) => async () => runs[key]?.offload[o.variant.name]?.push(await o.run(uploads.get(input) ?? [], input.count))),
          async () => runs[key]?.sharp.push(await sharpAlone(input.paths, input.count)),
        ];
        for (let k = 0; k < sides.length; k++) await sides[(run + k) % sides.length]?.();
        const b = runs[key]?.sharp.at(-1);
        const bestHere = b ? bestInRun(b) : undefined;
        const bb = bestHere === undefined ? undefined : b?.byConcurrency[bestHere];
        const offloadText = offloads
          .map((o) => {
            const r = runs[key]?.offload[o.variant.name]?.at(-1);
            return `${offloadSide(o.variant)} ${r?.imagesPerSec.toFixed(1)} images/s (p50 ${r?.latency.p50.toFixed(0)} ms, p99 ${r?.latency.p99.toFixed(0)} ms; CPU ms/image ${formatCpu(r?.cpuMsPerImage)})`;
          })
          .join('; ');
        options.log(
          `watermark e2e run ${run + 1}/${options.runs} ${key}: ${offloadText}; sharp alone ${bb?.imagesPerSec.toFixed(1)} images/s at ${bestHere} in flight (${Object.entries(b ? triedRates(b) : {})
            .map(([c, v]) => `${c}: ${v.toFixed(1)}`)
            .join(', ')}; CPU ms/image ${bb?.cpuMsPerImage.toFixed(0)})`,
        );
      }
    }
    const workerConcurrency = loadWorkerConfig(env).WORKER_CONCURRENCY;
    return {
      row: ROW,
      lines: tableLines(
        Object.fromEntries(Object.entries(runs).map(([size, r]) => [size, { offload: r.offload, sharp: sharpBaseline(r.sharp), perRunBest: r.sharp.map(bestInRun) }])),
        workerConcurrency,
        offloads.map((o) => o.variant),
      ),
      details: { inFlight: IN_FLIGHT, workerConcurrency, sizes, runs },
      seconds: (Date.now() - begun) / 1000,
    };
  } finally {
    agent.destroy();
    for (const s of services) await s.stop().catch(() => undefined);
    for (const close of closers) await Promise.resolve(close()).catch(() => undefined);
  }
}

function tableLines(
  runs: Record<string, { offload: Record<string, OffloadRun[]>; sharp: BaselineRun[]; perRunBest: number[] }>,
  workerConcurrency: number,
  variants: readonly RecordStoreVariant[],
): TableLine[] {
  const lines: TableLine[] = [];
  for (const [size, { offload: byVariant, sharp, perRunBest }] of Object.entries(runs)) {
    const baseline = `sharp alone (best median of ${SHARP_CONCURRENCIES.join('/')} in flight: ${sharp[0]?.concurrency ?? '?'})`;
    for (const variant of variants) {
      const offload = byVariant[variant.name] ?? [];
      const ratio = pairedRatio(offload.map((r) => r.imagesPerSec), sharp.map((r) => r.imagesPerSec));
      lines.push({
        row: ROW,
        metric: `${size} images/s, ${variant.name}`,
        unit: 'per_s',
        offload: spread(offload.map((r) => r.imagesPerSec)),
        baseline: { name: baseline, value: spread(sharp.map((r) => r.imagesPerSec)) },
        ratio,
        target: '≥ 0.85×',
        met: ratio.median >= 0.85,
        ...(variant.name !== 'SQLite'
          ? {}
          : { note: `offload: ${IN_FLIGHT} uploads in flight, WORKER_CONCURRENCY=${workerConcurrency}; sharp alone at ${sharp[0]?.concurrency ?? '?'} in flight in every run (best median over the runs; each run's own best: ${perRunBest.join(', ')})` }),
      });
      for (const [metric, pick] of [
        ['p50', (l: Latency) => l.p50],
        ['p99', (l: Latency) => l.p99],
      ] as const) {
        lines.push({
          row: ROW,
          metric: `${size} ${metric} ms, ${variant.name}`,
          unit: 'ms',
          offload: spread(offload.map((r) => pick(r.latency))),
          baseline: { name: baseline, value: spread(sharp.map((r) => pick(r.latency))) },
          ratio: pairedRatio(offload.map((r) => pick(r.latency)), sharp.map((r) => pick(r.latency))),
        });
      }
    }
  }
  return lines;
}

if (require.main === module) runRowCli(measureWatermarkE2e);
