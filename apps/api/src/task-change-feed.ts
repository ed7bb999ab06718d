import type { TaskRecord } from '@offload/contracts';
import type { TaskActivity, TaskChange } from '@offload/storage';

/** One subscriber of the feed: told of the records written since the last poll, in write order. */
export interface ChangeListener {
  /** Only records this listener may see (its tenant, or every tenant for `undefined`). */
  readonly tenant: string | undefined;
  changed(records: TaskRecord[]): void;
  /** More was written in one poll than the feed reads: the listener should read the state afresh. */
  overflow(): void;
}

export interface TaskChangeFeedOptions {
  activity: Pick<TaskActivity, 'changes'>;
  /** Time between two reads while anyone listens. */
  pollMs: number;
  /** Rows one read takes at most; a poll that fills it tells listeners to read afresh. */
  batchMax: number;
  /**
   * How far back each read looks behind the newest write it saw: a write that commits late with
   * an earlier time (another host's clock, a long transaction) is still seen, once.
   */
  lookbackMs: number;
  /** A read failed; polling goes on. */
  onError(err: unknown): void;
  now?: () => number;
}

export interface TaskChangeFeed {
  /** Starts listening; returns the function that stops. */
  listen(listener: ChangeListener): () => void;
  readonly size: number;
}

/**
 * One reader of the record database's changes per API process, however many consoles listen:
 * every `pollMs` it reads the rows written since the newest write it saw (minus `lookbackMs`),
 * drops the versions it already handed out, and fans each record out to the listeners allowed
 * to see it. Reading the database, not an in-process event, is what shows workers' writes from
 * other hosts. The reader stops when the last listener leaves.
 */
export function createTaskChangeFeed(options: TaskChangeFeedOptions): TaskChangeFeed {
  const now = options.now ?? Date.now;
  const listeners = new Set<ChangeListener>();
  /** Versions handed out, by task id, with their write time, for the lookback window. */
  const seen = new Map<string, { version: number; updatedMs: number }>();
  let watermark = 0;
  let timer: NodeJS.Timeout | undefined;
  let running = false;

  function fresh(changes: readonly TaskChange[]): TaskChange[] {
    const out: TaskChange[] = [];
    for (const change of changes) {
      const before = seen.get(change.record.id);
      if (before !== undefined && before.version >= change.version) continue;
      seen.set(change.record.id, { version: change.version, updatedMs: change.updatedMs });
      out.push(change);
    }
    return out;
  }

  function forget(beforeMs: number): void {
    for (const [id, entry] of seen) if (entry.updatedMs < beforeMs) seen.delete(id);
  }

  function fanOut(changes: readonly TaskChange[], overflowed: boolean): void {
    for (const listener of [...listeners]) {
      const records = changes.filter((c) => listener.tenant === undefined || c.record.tenant === listener.tenant).map((c) => c.record);
      if (records.length > 0) listener.changed(records);
      if (overflowed) listener.overflow();
    }
  }

  async function poll(): Promise<void> {
    const changes = await options.activity.changes({ sinceMs: Math.max(0, watermark - options.lookbackMs), limit: options.batchMax });
    const overflowed = changes.length >= options.batchMax;
    const newest = changes.at(-1)?.updatedMs ?? watermark;
    // A full batch cannot be continued exactly (many rows may share one time): listeners read
    // afresh, and the feed goes on from now.
    watermark = overflowed ? now() : Math.max(watermark, newest);
    forget(watermark - options.lookbackMs);
    fanOut(fresh(changes), overflowed);
  }

  function schedule(): void {
    if (listeners.size === 0 || timer !== undefined || running) return;
    timer = setTimeout(() => {
      timer = undefined;
      running = true;
      poll()
        .catch((err: unknown) => options.onError(err))
        .finally(() => {
          running = false;
          schedule();
        });
    }, options.pollMs);
  }

  return {
    listen(listener) {
      if (listeners.size === 0) {
        // A first listener starts from now: what happened before, it reads from the listing.
        watermark = now();
        seen.clear();
      }
      listeners.add(listener);
      schedule();
      let stopped = false;
      return () => {
        if (stopped) return;
        stopped = true;
        listeners.delete(listener);
        if (listeners.size === 0 && timer !== undefined) {
          clearTimeout(timer);
          timer = undefined;
        }
      };
    },
    get size() {
      return listeners.size;
    },
  };
}
