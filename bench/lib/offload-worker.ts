// An offload worker process for the benches, wired exactly as apps/worker/src/main.ts (runWorker:
// config from the environment, one managed connection, storage, createWorker with its consumer,
// records and acks, health port, SIGTERM → drain → exit 0), with a handler of the bench's, and
// reporting each completed task to the bench over IPC (bench/lib/consumer-protocol.ts).
//   node --import tsx bench/lib/offload-worker.ts <noop|watermark>
// noop: a `watermark` handler that returns a result reference without writing a blob.
// watermark: the worker's real watermark handler (sharp).
import { tmpdir } from 'node:os';
import sharp from 'sharp';
import type { TaskResultRef } from '@offload/contracts';
import { createMetrics, startTracing } from '@offload/telemetry';
import { loadWorkerConfig, createHandlers, runWorker, type TaskHandler } from '@offload/worker/testing';
import { reportToParent } from './consumer-protocol';
import { sentAtOf } from './noop-task';

async function main(): Promise<void> {
  const mode = process.argv[2] ?? 'noop';
  // As apps/worker/src/instrument.ts: on only when the side sets an OTLP endpoint (row 1's traced side).
  startTracing({ defaultServiceName: 'offload-worker', env: process.env });
  const config = loadWorkerConfig(process.env);
  const report = reportToParent();
  const metrics = createMetrics('worker');
  // The worker counts each settled delivery here, right after its ack: that is when a task is done.
  metrics.tasksProcessed.inc = new Proxy(metrics.tasksProcessed.inc, {
    apply(target, self, args: Parameters<typeof metrics.tasksProcessed.inc>) {
      const [labels] = args;
      if (typeof labels === 'object' && 'outcome' in labels && labels.outcome === 'succeeded') report.completed();
      return Reflect.apply(target, self, args);
    },
  });
  sharp.cache(false);
  sharp.concurrency(config.SHARP_CONCURRENCY);
  const real = createHandlers(config, { imageMaxPixels: config.IMAGE_MAX_PIXELS, tempDir: tmpdir() }).watermark;
  if (real === undefined) throw new Error('the worker has no watermark handler');
  // Tasks carry their publish time as their text (`t=<epoch ms>`; the real handler draws it).
  const watermark: TaskHandler<'watermark'> = async (content, context) => {
    report.handled(sentAtOf(content.watermark.text));
    if (mode !== 'noop') return real(content, context);
    const result: TaskResultRef = { output_key: `out_${context.taskId}.txt`, content_type: 'text/plain' };
    return result;
  };
  const running = await runWorker({ config, name: `offload-bench-${mode}`, handlers: { watermark }, taskTypes: ['watermark'], metrics, healthHost: '127.0.0.1' });
  report.ready();
  // The bench went away without stopping this process: drain and go too.
  process.once('disconnect', () => void running.shutdown('bench gone').then(() => process.exit(0)));
}

main().catch((err: unknown) => {
  process.stderr.write(`bench worker: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
