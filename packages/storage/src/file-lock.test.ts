import { mkdir, mkdtemp, readdir, rm, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { withFileLock } from './file-lock';

describe('withFileLock', () => {
  let dir: string;
  let target: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'offload-lock-'));
    target = join(dir, 'record.json');
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('runs one holder at a time when many callers contend for the same path', async () => {
    let inside = 0;
    let most = 0;

    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        withFileLock(target, async () => {
          inside += 1;
          most = Math.max(most, inside);
          for (let turn = 0; turn < 5; turn++) {
            await nextTurn();
          }
          inside -= 1;
          return i;
        }),
      ),
    );

    expect(most).toBe(1);
    expect(results).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(await readdir(dir)).toEqual([]);
  });

  it('releases the lock when the holder throws', async () => {
    await expect(
      withFileLock(target, async () => {
        throw new Error('holder failed');
      }),
    ).rejects.toThrow('holder failed');

    expect(await readdir(dir)).toEqual([]);
    await expect(withFileLock(target, async () => 'again')).resolves.toBe('again');
  });

  it('takes over a lock when its holder stopped refreshing it', async () => {
    // What a crashed process leaves behind: a lock directory nobody refreshes.
    const abandoned = `${target}.lock`;
    await mkdir(abandoned);
    const longAgo = new Date(Date.now() - 60_000);
    await utimes(abandoned, longAgo, longAgo);

    await expect(withFileLock(target, async () => 'taken over')).resolves.toBe('taken over');
    expect(await readdir(dir)).toEqual([]);
  });

  it('lets assertHeld pass while the lock is held', async () => {
    await expect(withFileLock(target, async (assertHeld) => assertHeld())).resolves.toBeUndefined();
  });
});
