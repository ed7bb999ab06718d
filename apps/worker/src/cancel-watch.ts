import type { Logger } from '@offload/telemetry';
import type { TaskRecordKeeper } from './task-record-keeper';

export interface CancelWatchOptions {
  keeper: Pick<TaskRecordKeeper, 'cancelRequested'>;
  /** How often the records of running tasks are read. */
  intervalMs: number;
  logger: Logger;
}

export interface CancelWatch {
  /** A signal aborted once a client cancels the task `taskId` (while it is watched). */
  watch(taskId: string): AbortSignal;
  unwatch(taskId: string): void;
  close(): void;
}

/**
 * Tells running tasks that a client cancelled them. The cancel is a mark on the record (written by
 * any API process, on any host), so the worker reads the records of its running tasks every
 * `intervalMs`: a cancel takes effect within that time, with no broker message that a reconnect
 * could lose. No reads while nothing runs.
 */
export function createCancelWatch(options: CancelWatchOptions): CancelWatch {
  const watched = new Map<string, AbortController>();
  let timer: NodeJS.Timeout | undefined;
  let checking = false;

  async function check(): Promise<void> {
    if (checking) return;
    checking = true;
    try {
      await Promise.all(
        [...watched].map(async ([taskId, controller]) => {
          if (await options.keeper.cancelRequested(taskId)) {
            options.logger.info({ task_id: taskId }, 'a client cancelled this running task: stopping it');
            controller.abort();
            watched.delete(taskId);
          }
        }),
      );
    } catch (err) {
      options.logger.warn({ err }, 'could not check running tasks for cancels; checking again shortly');
    } finally {
      checking = false;
    }
  }

  function schedule(): void {
    if (timer !== undefined || watched.size === 0) return;
    timer = setInterval(() => {
      if (watched.size === 0) {
        clearInterval(timer);
        timer = undefined;
        return;
      }
      void check();
    }, options.intervalMs);
    timer.unref();
  }

  return {
    watch(taskId) {
      const controller = new AbortController();
      watched.set(taskId, controller);
      schedule();
      return controller.signal;
    },
    unwatch(taskId) {
      watched.delete(taskId);
    },
    close() {
      clearInterval(timer);
      timer = undefined;
      watched.clear();
    },
  };
}
