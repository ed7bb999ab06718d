// Time from `POST /v1/images` to the record reading `succeeded`, for 1920×1080 JPEGs, through the
// built API and one worker process on the local RabbitMQ. Baseline in the same run: the same
// watermark rendered in-process (the worker's handler pipeline with no HTTP, broker or storage).
// Uploads are sequential (latency, not throughput) and interleaved with baseline runs.
//   npx tsx bench/pipeline-latency.ts [--n 20]
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import sharp from 'sharp';
import { deleteTestTopology } from '@offload/test-support';
import { renderWatermark } from '@offload/worker/testing';

const nFlag = process.argv.indexOf('--n');
const n = nFlag === -1 ? 20 : Number(process.argv[nFlag + 1]);
const root = resolve(__dirname, '..');
const port = 3900 + Math.floor(Math.random() * 90);
const base = `http://127.0.0.1:${port}`;
const prefix = `bench-${process.pid}`;
const options = { text: '© offload bench', position: 'bottom-right' as const, tile: false, opacity: 0.6, size: 0.25, margin: 0.02 };

function percentile(sorted: number[], p: number): number {
  const i = (sorted.length - 1) * p;
  const lo = Math.floor(i);
  const hi = Math.ceil(i);
  return (sorted[lo] ?? 0) + ((sorted[hi] ?? 0) - (sorted[lo] ?? 0)) * (i - lo);
}

function summary(name: string, ms: number[]): string {
  const s = [...ms].sort((a, b) => a - b);
  return `${name.padEnd(28)} p50 ${percentile(s, 0.5).toFixed(1)} ms   p90 ${percentile(s, 0.9).toFixed(1)} ms   min ${s[0]?.toFixed(1)} ms   max ${s.at(-1)?.toFixed(1)} ms   (n=${s.length})`;
}

async function waitFor(check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 2));
  }
}

async function main(): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'offload-bench-'));
  const env = { ...process.env, QUEUE_PREFIX: prefix, DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', AUTH: 'off', WORKER_HTTP_PORT: '0', LOG_LEVEL: 'warn' };
  const api = spawn(process.execPath, [join(root, 'apps/api/dist/main.js')], { env, stdio: 'inherit' });
  await waitFor(async () => (await fetch(`${base}/readyz`)).ok);
  const worker = spawn(process.execPath, [join(root, 'apps/worker/dist/main.js')], { env, stdio: 'inherit' });
  try {
    const images = await Promise.all(
      Array.from({ length: 4 }, (_, i) =>
        sharp({ create: { width: 1920, height: 1080, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 100 + i * 10, sigma: 40 } } }).jpeg({ quality: 85 }).toBuffer(),
      ),
    );
    const endToEnd: number[] = [];
    const inProcess: number[] = [];
    const submitOne = async (image: Buffer): Promise<number> => {
      const started = performance.now();
      const form = new FormData();
      form.append('image', new Blob([new Uint8Array(image)], { type: 'image/jpeg' }), 'photo.jpg');
      for (const [k, v] of Object.entries(options)) form.append(k, String(v));
      const res = await fetch(`${base}/v1/images`, { method: 'POST', body: form });
      if (res.status !== 202) throw new Error(`POST answered ${res.status}: ${await res.text()}`);
      const { links } = (await res.json()) as { links: { self: string } };
      await waitFor(async () => ((await (await fetch(`${base}${links.self}`)).json()) as { status: string }).status === 'succeeded');
      return performance.now() - started;
    };
    const renderOne = async (image: Buffer): Promise<number> => {
      const started = performance.now();
      await renderWatermark({ image, options, limits: { limitInputPixels: 100_000_000 } });
      return performance.now() - started;
    };
    sharp.cache(false);
    sharp.concurrency(1);
    for (let i = 0; i < 3; i++) {
      await submitOne(images[i % 4] as Buffer);
      await renderOne(images[i % 4] as Buffer);
    }
    for (let i = 0; i < n; i++) {
      const image = images[i % 4] as Buffer;
      endToEnd.push(await submitOne(image));
      inProcess.push(await renderOne(image));
    }
    const p50 = (xs: number[]) => percentile([...xs].sort((a, b) => a - b), 0.5);
    process.stdout.write(
      [
        `pipeline latency, 1920×1080 JPEG, ${new Date().toISOString()}`,
        summary('POST → succeeded (offload)', endToEnd),
        summary('render in-process (sharp)', inProcess),
        `overhead at p50: ${(p50(endToEnd) - p50(inProcess)).toFixed(1)} ms (${(p50(endToEnd) / p50(inProcess)).toFixed(2)}× the render alone)`,
        '',
      ].join('\n'),
    );
  } finally {
    worker.kill('SIGTERM');
    api.kill('SIGTERM');
    await Promise.all([worker, api].map((p) => new Promise((r) => p.once('exit', r))));
    await deleteTestTopology(prefix);
    await rm(dataDir, { recursive: true, force: true });
  }
}

void main();
