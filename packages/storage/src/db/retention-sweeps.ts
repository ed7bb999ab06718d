import { sweepRetention, type RetentionDeps, type RetentionReport } from './retention';

export interface RetentionSweepsOptions {
  /** `RETENTION_S` in milliseconds; 0 keeps everything, and no sweep runs. */
  retentionMs: number;
  /** `RETENTION_SWEEP_MS`: the mean time between two sweeps of this process. */
  everyMs: number;
  /** What a sweep deleted (it ran to the end or was stopped). */
  onSwept: (report: RetentionReport) => void;
  /** A sweep failed (the database was away, say); the next one runs on time. */
  onError: (err: unknown) => void;
  /** In [0, 1): spreads the sweeps of processes started together. @defaultValue Math.random */
  random?: () => number;
}

export interface RetentionSweeps {
  /** No further sweep starts; resolves once the running one (if any) stopped after its current batch. */
  stop(): Promise<void>;
}

/**
 * Runs `sweepRetention` every `everyMs` ± 50 % (each wait drawn anew) until stopped. The timers
 * are unref'd: a sweep schedule never keeps a process alive.
 */
export function startRetentionSweeps(deps: RetentionDeps, options: RetentionSweepsOptions): RetentionSweeps {
  if (options.retentionMs === 0) return { stop: () => Promise.resolve() };
  const random = options.random ?? Math.random;
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;

  const schedule = () => {
    timer = setTimeout(run, options.everyMs * (0.5 + random()));
    timer.unref();
  };

  function run(): void {
    running = sweepRetention(deps, { retentionMs: options.retentionMs, signal: controller.signal })
      .then(options.onSwept, options.onError)
      // A callback that throws must not end the schedule (or the process).
      .catch(() => undefined)
      .finally(() => {
        running = undefined;
        if (!controller.signal.aborted) schedule();
      });
  }

  schedule();
  return {
    async stop() {
      controller.abort();
      clearTimeout(timer);
      await running;
    },
  };
}
