import { createHash } from 'node:crypto';
import { readFile, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { writeAll, writeFileAtomic } from './atomic-file';
import { withFileLock } from './file-lock';
import { hasErrorCode } from './has-error-code';
import type { IdempotencyEntry, IdempotencyStore } from './storage';

const entrySchema = z.object({
  fingerprint: z.string(),
  task_id: z.uuid(),
  created_at: z.iso.datetime({ offset: true }),
  expires_at: z.iso.datetime({ offset: true }),
});

/**
 * Idempotency keys as `<sha256 of key>.json` files in `dir`: the client's key never becomes a
 * file name itself, so any string is safe. A per-key lock serialises requests that share a key.
 */
export function createFsIdempotencyStore(dir: string, now: () => Date = () => new Date()): IdempotencyStore {
  const pathOf = (key: string) => join(dir, `${createHash('sha256').update(key, 'utf8').digest('hex')}.json`);

  return {
    async exclusive(key, fn) {
      const path = pathOf(key);
      return withFileLock(path, async (assertHeld) => {
        const stored = await readEntry(path);
        const live = stored !== undefined && Date.parse(stored.expires_at) > now().getTime() ? stored : undefined;
        const { value, store } = await fn(live);
        if (store !== undefined) {
          assertHeld();
          const valid = entrySchema.parse(store);
          await writeFileAtomic(path, (file) => writeAll(file, Buffer.from(JSON.stringify(valid))), 'replace');
        }
        return value;
      });
    },

    async sweepExpired() {
      let removed = 0;
      for (const name of await readdir(dir)) {
        if (!name.endsWith('.json')) continue;
        const path = join(dir, name);
        const entry = await readEntry(path).catch(() => undefined);
        if (entry !== undefined && Date.parse(entry.expires_at) <= now().getTime()) {
          await rm(path, { force: true });
          removed++;
        }
      }
      return removed;
    },
  };
}

async function readEntry(path: string): Promise<IdempotencyEntry | undefined> {
  try {
    return entrySchema.parse(JSON.parse(await readFile(path, 'utf8')));
  } catch (err) {
    if (hasErrorCode(err, 'ENOENT')) return undefined;
    throw err;
  }
}
