// `@offload/worker/testing`: what code outside the worker (e2e, faults, bench) may use of it,
// so those workspaces never reach into apps/worker/src by relative path. Importing this module
// starts nothing (main.ts alone reads the environment and runs the worker); each name is
// documented where it is declared.

/** The worker's environment schema and its loader: e2e builds the README's table from the schema. */
export { loadWorkerConfig, workerEnvSchema } from './config';

/** A whole worker process with handlers of the caller's (faults' scripted worker, bench's workers). */
export { runWorker, type RunningWorker } from './run-worker';

/** The real handlers, built from the worker's config (bench runs the real watermark handler). */
export { createHandlers } from './handlers/index';

/** The shape of a handler, for handlers written outside the worker. */
export type { TaskHandler } from './handlers/handler';

/** What a handler throws: retrying cannot help, or retry later with backoff. */
export { PermanentTaskError, TransientTaskError } from './errors';

/** The watermark pipeline alone, with no broker or storage (bench's sharp-alone baseline). */
export { renderWatermark } from './watermark/render-watermark';
