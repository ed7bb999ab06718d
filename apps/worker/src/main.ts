// First: tracing patches http and pg as they load (a no-op without an OTLP exporter).
import './instrument';
import { tmpdir } from 'node:os';
import sharp from 'sharp';
import { ConfigError, ListenError } from '@offload/config';
import { BrokerRefusedError, BrokerUnreachableError } from '@offload/broker';
import { RecordStoreUnreachableError } from '@offload/storage';
import { loadWorkerConfig, threadPoolSize } from './config';
import { createHandlers } from './handlers/index';
import { runWorker } from './run-worker';

const NAME = 'offload-worker';

/** Entry point: config, the real handlers, and the worker process (see run-worker.ts). */
async function main(): Promise<void> {
  const config = loadWorkerConfig(process.env);
  // Each image render holds a libuv pool thread for its whole run: with the default 4 threads,
  // WORKER_CONCURRENCY renders would leave file and DNS work queueing behind them. The pool starts
  // on first use, which is after this line.
  process.env.UV_THREADPOOL_SIZE ??= String(threadPoolSize(config.WORKER_CONCURRENCY));
  // libvips' own cache holds decoded images between tasks: memory we never reuse here.
  sharp.cache(false);
  sharp.concurrency(config.SHARP_CONCURRENCY);
  const handlers = createHandlers(config, { imageMaxPixels: config.IMAGE_MAX_PIXELS, tempDir: tmpdir() });
  await runWorker({ config, name: NAME, handlers });
}

main().catch((err: unknown) => {
  if (err instanceof BrokerUnreachableError || err instanceof BrokerRefusedError || err instanceof RecordStoreUnreachableError || err instanceof ConfigError || err instanceof ListenError) {
    process.stderr.write(`${NAME}: ${err.message}\n`);
  } else {
    process.stderr.write(`${NAME}: failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  }
  process.exit(1);
});
