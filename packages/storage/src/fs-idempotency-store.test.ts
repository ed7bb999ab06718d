import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFsIdempotencyStore } from './fs-idempotency-store';
import type { IdempotencyEntry } from './storage';

const TASK_ID = '0b6f0b7e-8d0a-4a39-9a40-4f1c1d8f5a11';

function entry(createdAt: Date, ttlMs: number, fingerprint = 'fp'): IdempotencyEntry {
  return { fingerprint, task_id: TASK_ID, created_at: createdAt.toISOString(), expires_at: new Date(createdAt.getTime() + ttlMs).toISOString() };
}

describe('createFsIdempotencyStore', () => {
  let dir: string;
  let clock: Date;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'offload-idem-'));
    clock = new Date('2026-11-24T10:00:00Z');
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('returns the stored entry to the next caller of the same key', async () => {
    const store = createFsIdempotencyStore(dir, () => clock);
    await store.exclusive('key-1', async (seen) => ({ value: seen, store: entry(clock, 60_000) }));
    const seen = await store.exclusive('key-1', async (current) => ({ value: current }));
    expect(seen).toEqual(entry(clock, 60_000));
    expect(await store.exclusive('key-2', async (current) => ({ value: current }))).toBeUndefined();
  });

  it('treats an expired entry as absent', async () => {
    const store = createFsIdempotencyStore(dir, () => clock);
    await store.exclusive('key', async () => ({ value: undefined, store: entry(clock, 1_000) }));
    clock = new Date(clock.getTime() + 1_000);
    expect(await store.exclusive('key', async (current) => ({ value: current }))).toBeUndefined();
  });

  it('serialises racing callers of one key so exactly one sees no entry', async () => {
    const store = createFsIdempotencyStore(dir, () => clock);
    const firsts = await Promise.all(
      Array.from({ length: 10 }, () =>
        store.exclusive('race', async (current) => (current === undefined ? { value: true, store: entry(clock, 60_000) } : { value: false })),
      ),
    );
    expect(firsts.filter(Boolean)).toHaveLength(1);
  });

  it('keeps any key string off the file system, whatever it contains', async () => {
    const store = createFsIdempotencyStore(dir, () => clock);
    for (const key of ['../../etc/passwd', 'a/b', 'ключ', 'x'.repeat(10_000)]) {
      await store.exclusive(key, async () => ({ value: undefined, store: entry(clock, 60_000) }));
    }
    const files = (await readdir(dir)).filter((f) => f.endsWith('.json'));
    expect(files).toHaveLength(4);
    for (const file of files) expect(file).toMatch(/^[0-9a-f]{64}\.json$/);
  });

  it('sweeps expired entries and keeps live ones', async () => {
    const store = createFsIdempotencyStore(dir, () => clock);
    await store.exclusive('short', async () => ({ value: undefined, store: entry(clock, 1_000) }));
    await store.exclusive('long', async () => ({ value: undefined, store: entry(clock, 60_000) }));
    clock = new Date(clock.getTime() + 5_000);
    expect(await store.sweepExpired()).toBe(1);
    expect(await store.exclusive('long', async (current) => ({ value: current?.fingerprint }))).toBe('fp');
  });
});
