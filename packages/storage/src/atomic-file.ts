import { randomUUID } from 'node:crypto';
import { link, open, rename, rm, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { hasErrorCode } from './has-error-code';

/** Temp files start with a dot, which no storage key or record file name can, so they never collide. */
const TEMP_PREFIX = '.tmp-';

export type AtomicWriteMode = 'replace' | 'exclusive';

/**
 * Writes `target` so readers see the whole file or none: `write` fills a temp file in the same
 * directory, which is fsynced and then renamed over `target` (`replace`) or hard-linked to it
 * (`exclusive`: fails with false when `target` exists, so of two racing writers exactly one wins).
 * The temp file is removed whatever happens.
 */
export async function writeFileAtomic(
  target: string,
  write: (file: FileHandle) => Promise<void>,
  mode: AtomicWriteMode = 'replace',
): Promise<boolean> {
  const dir = dirname(target);
  const temp = join(dir, `${TEMP_PREFIX}${basename(target)}-${randomUUID()}`);
  const file = await open(temp, 'wx');
  let renamed = false;
  try {
    try {
      await write(file);
      await file.sync();
    } finally {
      await file.close();
    }
    if (mode === 'replace') {
      await rename(temp, target);
      renamed = true;
    } else {
      try {
        await link(temp, target);
      } catch (err) {
        if (hasErrorCode(err, 'EEXIST')) {
          return false;
        }
        throw err;
      }
    }
    await syncDirectoryShared(dir);
    return true;
  } finally {
    // After a rename the temp name is gone; after a link (or a failure) it is still there.
    if (!renamed) await rm(temp, { force: true });
  }
}

/** Writes all of `data` at the file's current position (a single write may be partial). */
export async function writeAll(file: FileHandle, data: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < data.byteLength) {
    const { bytesWritten } = await file.write(data, offset, data.byteLength - offset);
    offset += bytesWritten;
  }
}

/**
 * Group commit for directory entries: one fsync of a directory makes every rename or link in it
 * that finished before the fsync began durable. A writer arriving while one runs (which may have
 * begun before its rename) waits for the next, and every writer arriving meanwhile shares that
 * next one, so N concurrent writers cost about two directory fsyncs instead of N.
 */
const directorySyncs = new Map<string, { running?: Promise<void>; next?: Promise<void> }>();

function syncDirectoryShared(dir: string): Promise<void> {
  let state = directorySyncs.get(dir);
  if (state === undefined) {
    state = {};
    directorySyncs.set(dir, state);
  }
  const running = state.running;
  if (running === undefined) return startDirectorySync(dir, state);
  const queued = state;
  const startNext = () => {
    queued.next = undefined;
    return startDirectorySync(dir, queued);
  };
  queued.next ??= running.then(startNext, startNext);
  return queued.next;
}

function startDirectorySync(dir: string, state: { running?: Promise<void>; next?: Promise<void> }): Promise<void> {
  const running: Promise<void> = syncDirectory(dir).finally(() => {
    if (state.running === running) state.running = undefined;
    if (state.running === undefined && state.next === undefined && directorySyncs.get(dir) === state) directorySyncs.delete(dir);
  });
  state.running = running;
  return running;
}

/** Makes a rename or link in `dir` survive a power loss, not only the file's bytes. */
async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } catch (err) {
    // Some platforms and network file systems cannot fsync a directory; the rename still happened.
    if (!hasErrorCode(err, 'EINVAL') && !hasErrorCode(err, 'EISDIR') && !hasErrorCode(err, 'EPERM')) {
      throw err;
    }
  } finally {
    await handle.close();
  }
}
