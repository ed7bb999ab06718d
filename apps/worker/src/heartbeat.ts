import type { WorkerHeartbeat, WorkerStore } from '@offload/storage';
import type { Logger } from '@offload/telemetry';

export interface HeartbeatOptions {
  workers: WorkerStore;
  /** What stays the same from beat to beat. */
  identity: Omit<WorkerHeartbeat, 'runningTaskIds' | 'beatMs' | 'beatIntervalMs'>;
  intervalMs: number;
  /** The tasks running now, read at every beat. */
  runningTaskIds: () => readonly string[];
  logger: Logger;
  /** @defaultValue Date.now */
  now?: () => number;
}

export interface Heartbeat {
  /** Writes the first beat, then one every interval. A failed beat is logged, never thrown. */
  start(): Promise<void>;
  /** Stops beating and deletes the row (a graceful stop). Idempotent. */
  stop(): Promise<void>;
}

/**
 * The worker's row in the workers table, rewritten every interval with the tasks it runs. A beat
 * that fails (the record database away) is logged at warn and the next interval tries again: a
 * worker never stops working because it could not say that it is.
 */
export function createHeartbeat(options: HeartbeatOptions): Heartbeat {
  const log = options.logger.child({ component: 'heartbeat', worker_id: options.identity.id });
  const now = options.now ?? Date.now;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> = Promise.resolve();
  let stopping: Promise<void> | undefined;
  let failing = false;

  async function beat(): Promise<void> {
    try {
      await options.workers.beat({ ...options.identity, runningTaskIds: [...options.runningTaskIds()], beatMs: now(), beatIntervalMs: options.intervalMs });
      if (failing) log.info('heartbeat written again');
      failing = false;
    } catch (err) {
      failing = true;
      log.warn({ err, retry_in_ms: options.intervalMs }, 'writing the heartbeat failed; retrying next interval');
    }
  }

  // The next beat is timed from the end of the last, so beats never overlap on a slow database.
  function schedule(): void {
    timer = setTimeout(() => {
      inFlight = beat().then(() => {
        if (stopping === undefined) schedule();
      });
    }, options.intervalMs);
    // The connection and the consumers keep the process alive; a heartbeat alone never should.
    timer.unref();
  }

  return {
    async start() {
      inFlight = beat();
      await inFlight;
      if (stopping === undefined) schedule();
    },
    stop() {
      stopping ??= (async () => {
        clearTimeout(timer);
        await inFlight;
        try {
          await options.workers.remove(options.identity.id);
        } catch (err) {
          // The row stays and reads as lost after three intervals, then ages out.
          log.warn({ err }, 'deleting the heartbeat row failed');
        }
      })();
      return stopping;
    },
  };
}
