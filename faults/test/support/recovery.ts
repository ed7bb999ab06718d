import { waitUntil } from '@offload/test-support';
import { describeExit, type Child, type Exit } from './child-process';

/** A process and its readiness URL (`/readyz`). */
export interface ReadinessProbe {
  /** Names the process in the result and in errors: `api_readyz`, `worker_0_readyz`. */
  name: string;
  url: string;
  child: Child;
}

const RECOVERY_TIMEOUT_MS = 60_000;

/**
 * Waits until every probe's `/readyz` answers 200 and returns how long after `since` (Date.now())
 * each did, in ms. Nothing is restarted: a process that exited fails the wait at once, with its exit
 * and the end of its stderr.
 */
export async function recoveryTimes(since: number, probes: readonly ReadinessProbe[]): Promise<Record<string, number>> {
  const times: Record<string, number> = {};
  await Promise.all(
    probes.map(async ({ name, url, child }) => {
      const result = await waitUntil(
        async () => {
          const exit = child.exit();
          if (exit !== undefined) return { exit };
          const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
          return res.ok && { exit: undefined };
        },
        { timeoutMs: RECOVERY_TIMEOUT_MS, intervalMs: 50, description: `${name} to answer 200` },
      );
      if (result.exit !== undefined) throw new ProcessExitedError(child, result.exit);
      times[name] = Date.now() - since;
    }),
  );
  return times;
}

/** A process of the system under test ended while it was expected to recover by itself. */
export class ProcessExitedError extends Error {
  constructor(child: Child, exit: Exit) {
    super(`${child.name} (pid ${child.pid}) exited (${describeExit(exit)}) instead of recovering: ${child.stderr().slice(-3000)}`);
    this.name = 'ProcessExitedError';
  }
}
