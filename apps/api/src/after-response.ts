import type { Logger } from '@offload/telemetry';

/**
 * The in-process tier: light work (an audit line, a metric, a temp-file clean-up) that runs
 * after the response is sent. Errors are isolated and logged, never reach the client; losing a
 * job on a crash is acceptable by design. `drain` waits for running jobs on shutdown.
 */
export interface AfterResponse {
  run(name: string, job: () => unknown): void;
  /** Resolves once no job is running, or at the deadline; returns how many were still running. */
  drain(timeoutMs: number): Promise<number>;
  readonly pending: number;
}

export function createAfterResponse(logger: Logger): AfterResponse {
  const running = new Set<Promise<void>>();
  return {
    run(name, job) {
      const promise = new Promise<void>((resolve) => setImmediate(resolve))
        .then(job)
        .then(
          () => undefined,
          (err: unknown) => logger.error({ err, job: name }, 'after-response job failed'),
        )
        .finally(() => running.delete(promise));
      running.add(promise);
    },
    async drain(timeoutMs) {
      let timedOut = false;
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          timedOut = true;
          resolve();
        }, timeoutMs);
      });
      // Jobs may start while others finish, so wait for whatever is running, again and again.
      while (running.size > 0 && !timedOut) {
        await Promise.race([Promise.all([...running]), deadline]);
      }
      clearTimeout(timer);
      return running.size;
    },
    get pending() {
      return running.size;
    },
  };
}
