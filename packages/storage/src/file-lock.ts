import { lock, type LockOptions } from 'proper-lockfile';

const LOCK_OPTIONS: LockOptions = {
  // A holder refreshes its lock every stale/2 ms; a lock older than this belongs to a crashed
  // process and the next writer takes it over.
  stale: 10_000,
  // Contending writers wait rather than fail: short, jittered waits add up to well over `stale`
  // (about 25–50 s), so a waiter outlives a dead holder's lock.
  retries: { retries: 100, factor: 1.5, minTimeout: 5, maxTimeout: 250, randomize: true },
  // The locked file may not exist yet (and realpath would fail on it); callers pass absolute paths.
  realpath: false,
};

/**
 * Runs `fn` while holding an exclusive lock on `path` that every process sharing the directory
 * respects (a `<path>.lock` directory: mkdir is atomic on local disks and NFS). `assertHeld`
 * throws once the lock was lost (the process stalled past `stale`), so call it right before
 * committing a write.
 */
export async function withFileLock<T>(path: string, fn: (assertHeld: () => void) => Promise<T>): Promise<T> {
  // Callers in this process queue here first, so only one of them at a time contends for the
  // lock directory (whose retries back off by milliseconds) with other processes.
  const previous = queues.get(path);
  let done = () => {};
  const mine = new Promise<void>((resolve) => {
    done = resolve;
  });
  const tail = previous === undefined ? mine : previous.then(() => mine);
  queues.set(path, tail);
  try {
    await previous;
    return await withDirectoryLock(path, fn);
  } finally {
    done();
    if (queues.get(path) === tail) queues.delete(path);
  }
}

/** Per path, the promise the next caller in this process waits for (never rejects). */
const queues = new Map<string, Promise<void>>();

async function withDirectoryLock<T>(path: string, fn: (assertHeld: () => void) => Promise<T>): Promise<T> {
  let lost: Error | undefined;
  const release = await lock(path, {
    ...LOCK_OPTIONS,
    // The default throws from a timer, which would crash the process.
    onCompromised: (err) => {
      lost = err;
    },
  });
  const assertHeld = (): void => {
    if (lost !== undefined) {
      throw new Error(`lost the lock on ${path} before writing`, { cause: lost });
    }
  };
  try {
    return await fn(assertHeld);
  } finally {
    if (lost === undefined) {
      // The outcome is already decided (and maybe written): a lock left behind goes stale and the
      // next writer takes it over, so failing the caller here would only invite a double update.
      await release().catch(() => undefined);
    }
  }
}
