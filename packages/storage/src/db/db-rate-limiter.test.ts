import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sql } from 'kysely';
import { createTestDatabase, tempDataDir, type TestDatabase } from '@offload/test-support';
import type { RateLimiter } from '../storage';
import { createDbRateLimiter } from './db-rate-limiter';
import { openRecordDatabase, type RecordDatabase } from './open-database';

const T0 = 1_700_000_000_000;

describe.each([
  ['SQLite', false],
  ['PostgreSQL', true],
])('rate limiter on %s', (_name, postgres) => {
  let server: TestDatabase | undefined;
  let dir: { path: string; remove: () => Promise<void> };
  let first: RecordDatabase;
  let second: RecordDatabase;
  let limiter: RateLimiter;
  let other: RateLimiter;

  beforeAll(async () => {
    server = postgres ? await createTestDatabase() : undefined;
    dir = await tempDataDir('offload-rate-limits');
    const options = { dataDir: dir.path, ...(server === undefined ? {} : { url: server.url }) };
    first = await openRecordDatabase(options);
    // A second process's view: its own connection(s) to the same file or database.
    second = await openRecordDatabase(options);
    limiter = createDbRateLimiter(first);
    other = createDbRateLimiter(second);
  });

  afterAll(async () => {
    await first.close();
    await second.close();
    await server?.drop();
    await dir.remove();
  });

  it('allows a burst at once, then one request every 1000 / rps ms', async () => {
    const bucket = randomUUID();
    const limit = { rps: 4, burst: 3 };

    const burst = [];
    for (let i = 0; i < 4; i++) burst.push(await limiter.take(bucket, limit, T0));
    expect(burst).toEqual([
      { allowed: true, limit: 3, remaining: 2, resetMs: 250, retryAfterMs: 0 },
      { allowed: true, limit: 3, remaining: 1, resetMs: 500, retryAfterMs: 0 },
      { allowed: true, limit: 3, remaining: 0, resetMs: 750, retryAfterMs: 0 },
      { allowed: false, limit: 3, remaining: 0, resetMs: 750, retryAfterMs: 250 },
    ]);

    expect(await limiter.take(bucket, limit, T0 + 249)).toEqual({ allowed: false, limit: 3, remaining: 0, resetMs: 501, retryAfterMs: 1 });
    expect(await limiter.take(bucket, limit, T0 + 250)).toEqual({ allowed: true, limit: 3, remaining: 0, resetMs: 750, retryAfterMs: 0 });
    expect((await limiter.take(bucket, limit, T0 + 250)).allowed).toBe(false);
    expect(await limiter.take(bucket, limit, T0 + 600)).toEqual({ allowed: true, limit: 3, remaining: 0, resetMs: 650, retryAfterMs: 0 });
    // Idle long enough, the bucket is full again, and no fuller.
    expect(await limiter.take(bucket, limit, T0 + 60_000)).toEqual({ allowed: true, limit: 3, remaining: 2, resetMs: 250, retryAfterMs: 0 });
  });

  it('keeps buckets apart', async () => {
    const limit = { rps: 1, burst: 1 };
    const [a, b] = [randomUUID(), randomUUID()];
    expect((await limiter.take(a, limit, T0)).allowed).toBe(true);
    expect((await limiter.take(a, limit, T0)).allowed).toBe(false);
    expect((await limiter.take(b, limit, T0)).allowed).toBe(true);
  });

  it('refills a bucket of a fractional interval on the very ms it is due', async () => {
    const bucket = randomUUID();
    const limit = { rps: 3, burst: 3 };
    for (let i = 0; i < 3; i++) expect((await limiter.take(bucket, limit, T0)).allowed).toBe(true);
    expect(await limiter.take(bucket, limit, T0)).toEqual({ allowed: false, limit: 3, remaining: 0, resetMs: 1_000, retryAfterMs: 334 });
    expect((await limiter.take(bucket, limit, T0 + 333)).allowed).toBe(false);
    expect(await limiter.take(bucket, limit, T0 + 334)).toMatchObject({ allowed: true, remaining: 0 });
    // Three intervals of 1000/3 ms after T0 + 334, the bucket is full again: three at once.
    for (let i = 0; i < 3; i++) expect((await limiter.take(bucket, limit, T0 + 1_334)).allowed).toBe(true);
    expect((await limiter.take(bucket, limit, T0 + 1_334)).allowed).toBe(false);
  });

  it('never allows more than burst + rps · t between two stores sharing a bucket', async () => {
    const bucket = randomUUID();
    const limit = { rps: 10, burst: 5 };
    const allowedAt = async (nowMs: number) => {
      const takes = Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? limiter : other).take(bucket, limit, nowMs));
      return (await Promise.all(takes)).filter((d) => d.allowed).length;
    };
    const rounds: number[] = [];
    for (let ms = 0; ms <= 1_000; ms += 50) rounds.push(await allowedAt(T0 + ms));
    // 5 at once, then one every 100 ms: 15 in the first second, and never one more.
    expect(rounds.reduce((a, b) => a + b, 0)).toBe(5 + 10 * 1);
    expect(rounds).toEqual([5, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1]);
  });

  it('refuses a limit it cannot run without touching the database', async () => {
    await expect(limiter.take(randomUUID(), { rps: 0, burst: 1 })).rejects.toThrow(RangeError);
  });

  (postgres ? it.skip : it)('leaves the shared connection at synchronous = FULL for every other write', async () => {
    await limiter.take(randomUUID(), { rps: 1, burst: 1 });
    expect((await sql<{ synchronous: number }>`pragma synchronous`.execute(first.db)).rows).toEqual([{ synchronous: 2 }]);
  });
});
