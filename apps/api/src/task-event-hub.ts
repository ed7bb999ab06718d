import type { VersionedRecord } from '@offload/storage';

/** One client's view of a task: told of each newer version, or that the stream must end. */
export interface TaskWatcher {
  /** A version newer than any this hub saw of the task before (a new watcher also gets the latest at once). */
  update(snapshot: VersionedRecord): void;
  /** The task is gone (deleted by retention) or the process is shutting down: end the stream. */
  end(reason: 'gone' | 'shutting_down'): void;
}

export interface TaskEventHubOptions {
  /** Reads one record and its row version from the record database (never a cache). */
  read(id: string): Promise<VersionedRecord | undefined>;
  /** Time between two reads of one task's row. */
  pollMs: number;
  /** Watchers open at once in this process, across tasks; `watch` refuses beyond. */
  maxWatchers: number;
  /** False once shutdown began: every stream ends so the server can close. @defaultValue always true */
  isAccepting?: () => boolean;
  /** A read failed; the poller keeps going. */
  onError(err: unknown, id: string): void;
}

export interface TaskEventHub {
  /** Starts watching `id`; returns the function that stops, or undefined when `maxWatchers` are open. */
  watch(id: string, watcher: TaskWatcher): (() => void) | undefined;
  /** Watchers open now. */
  readonly size: number;
  /** True when `watch` would refuse. */
  readonly full: boolean;
}

interface Poller {
  watchers: Set<TaskWatcher>;
  latest: VersionedRecord | undefined;
  timer: NodeJS.Timeout | undefined;
}

/**
 * One poller per watched task id in this process, whatever the number of its clients: each reads
 * the task's row every `pollMs` and fans a newer version out to every watcher. Polling the database
 * (not an in-process event) is what lets the API see writes of workers in other processes and on
 * other hosts. A poller stops when its last watcher leaves.
 */
export function createTaskEventHub(options: TaskEventHubOptions): TaskEventHub {
  const pollers = new Map<string, Poller>();
  let size = 0;

  function endAll(poller: Poller, id: string, reason: 'gone' | 'shutting_down'): void {
    pollers.delete(id);
    clearTimeout(poller.timer);
    for (const watcher of [...poller.watchers]) watcher.end(reason);
  }

  function tick(id: string, poller: Poller): void {
    poller.timer = undefined;
    if (options.isAccepting?.() === false) {
      endAll(poller, id, 'shutting_down');
      return;
    }
    options.read(id).then(
      (snapshot) => {
        if (pollers.get(id) !== poller) return;
        if (snapshot === undefined) {
          endAll(poller, id, 'gone');
          return;
        }
        if (poller.latest === undefined || snapshot.version > poller.latest.version) {
          poller.latest = snapshot;
          for (const watcher of [...poller.watchers]) watcher.update(snapshot);
        }
        schedule(id, poller);
      },
      (err: unknown) => {
        options.onError(err, id);
        schedule(id, poller);
      },
    );
  }

  function schedule(id: string, poller: Poller): void {
    // A watcher may have left (or the last one) while the read ran.
    if (pollers.get(id) !== poller || poller.watchers.size === 0) return;
    poller.timer = setTimeout(() => tick(id, poller), options.pollMs);
  }

  return {
    watch(id, watcher) {
      if (size >= options.maxWatchers) return undefined;
      let poller = pollers.get(id);
      if (poller === undefined) {
        poller = { watchers: new Set(), latest: undefined, timer: undefined };
        pollers.set(id, poller);
        poller.watchers.add(watcher);
        schedule(id, poller);
      } else {
        poller.watchers.add(watcher);
        if (poller.latest !== undefined) watcher.update(poller.latest);
      }
      size++;
      const own = poller;
      let stopped = false;
      return () => {
        if (stopped) return;
        stopped = true;
        size--;
        own.watchers.delete(watcher);
        if (own.watchers.size === 0 && pollers.get(id) === own) {
          clearTimeout(own.timer);
          pollers.delete(id);
        }
      };
    },
    get size() {
      return size;
    },
    get full() {
      return size >= options.maxWatchers;
    },
  };
}
