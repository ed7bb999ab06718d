import { loadWorkerConfig, runWorker } from '@offload/worker/testing';
import { scriptedWatermarkHandler } from './scripted-watermark';

/**
 * A real worker process, wired exactly as apps/worker/src/main.ts (runWorker: config from the
 * environment, one managed connection, health port, SIGTERM → drain → exit 0), with a scripted
 * `watermark` handler instead of sharp. Run it with `node --import tsx faults/test/support/fault-worker.ts`.
 */
async function main(): Promise<void> {
  const config = loadWorkerConfig(process.env);
  await runWorker({
    config,
    name: 'fault-worker',
    handlers: { watermark: scriptedWatermarkHandler(config.DATA_DIR) },
    taskTypes: ['watermark'],
    healthHost: '127.0.0.1',
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`fault-worker: failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
