// Row 3's baseline: sharp alone rendering the same watermark (the worker's own renderWatermark, no
// HTTP, broker or storage) on the same files, `concurrency` images in flight.
//   node --import tsx bench/lib/sharp-alone.ts <concurrency> <count> <file>...
// Prints {"imagesPerSec": …, "latenciesMs": […]} as its last line.
import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { watermarkOptionsSchema } from '@offload/contracts';
import { loadWorkerConfig, renderWatermark } from '@offload/worker/testing';
import { WATERMARK_FIELDS } from './images';
import { windowed } from './windowed';

async function main(): Promise<void> {
  const [concurrencyArg = '1', countArg = '10', ...files] = process.argv.slice(2);
  const concurrency = Number(concurrencyArg);
  const count = Number(countArg);
  const images = await Promise.all(files.map((f) => readFile(f)));
  // As the worker runs it (apps/worker/src/main.ts): no libvips operation cache, and the worker's
  // libvips threads per image (SHARP_CONCURRENCY, from the same environment), not sharp's own
  // default, which depends on the allocator.
  sharp.cache(false);
  sharp.concurrency(loadWorkerConfig(process.env).SHARP_CONCURRENCY);
  const options = watermarkOptionsSchema.parse({ ...WATERMARK_FIELDS, opacity: Number(WATERMARK_FIELDS.opacity), size: Number(WATERMARK_FIELDS.size), margin: Number(WATERMARK_FIELDS.margin) });
  const render = (i: number) => renderWatermark({ image: images[i % images.length] as Buffer, options, limits: { limitInputPixels: 100_000_000 } });
  for (let i = 0; i < images.length; i++) await render(i);
  const latenciesMs: number[] = [];
  const cpu = process.cpuUsage();
  const started = performance.now();
  await windowed(count, concurrency, async (i) => {
    const t = performance.now();
    await render(i);
    latenciesMs.push(performance.now() - t);
  });
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  process.stdout.write(`${JSON.stringify({ imagesPerSec: count / seconds, latenciesMs, cpuMsPerImage: (used.user + used.system) / 1000 / count })}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`sharp alone: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
