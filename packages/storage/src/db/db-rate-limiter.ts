import { sql, type Kysely } from 'kysely';
import type { RateLimiter } from '../storage';
import { gcraDecision, gcraStep } from './gcra';
import type { RecordDatabase } from './open-database';
import type { Database } from './schema';
import { guarded } from './store-errors';

const num = (value: number) => sql<number>`cast(${value} as double precision)`;

/**
 * Rate limits in the record database (GCRA, see gcra.ts), so every API process on one database
 * draws from the same buckets. A take is one conditional upsert: it advances the bucket's tat only
 * when the request is allowed, and returns the new tat; no row back means refused (then one read
 * of the tat for the headers).
 */
export function createDbRateLimiter(database: RecordDatabase): RateLimiter {
  const { db } = database;

  /** The new tat when the take is allowed; undefined when refused (the row is left as it was). */
  async function upsert(executor: Kysely<Database>, bucket: string, intervalMs: number, allowIfTatAtMostMs: number, nowMs: number) {
    // One template rather than the query builder: this runs on every request, and building costs
    // more than SQLite takes to run it. Both dialects read it alike.
    const { rows } = await sql<{ tat_ms: number }>`
      insert into rate_limits (bucket, tat_ms) values (${bucket}, ${num(nowMs + intervalMs)})
      on conflict (bucket) do update
        set tat_ms = case when rate_limits.tat_ms > ${num(nowMs)} then rate_limits.tat_ms else ${num(nowMs)} end + ${num(intervalMs)}
        where rate_limits.tat_ms <= ${num(allowIfTatAtMostMs)}
      returning tat_ms`.execute(executor);
    return rows[0]?.tat_ms;
  }

  /**
   * SQLite: the upsert runs on the store's one connection with `synchronous = NORMAL`, then FULL
   * again, with no statement of anyone else in between (Kysely lends the connection to one caller
   * at a time). In WAL mode NORMAL commits without an fsync: a power cut may lose the last takes,
   * which only refills a bucket, and never corrupts the file. The setting is per connection, and a
   * FULL commit after it syncs the WAL frames written before it too. A second connection kept at
   * NORMAL would cost no toggling, but its synchronous busy-wait for the write lock would block the
   * event loop while this connection held that lock inside a transaction: a deadlock until busy_timeout.
   */
  async function take(bucket: string, intervalMs: number, allowIfTatAtMostMs: number, nowMs: number) {
    if (database.dialect === 'postgres') return upsert(db, bucket, intervalMs, allowIfTatAtMostMs, nowMs);
    return db.connection().execute(async (connection) => {
      await sql`pragma synchronous = normal`.execute(connection);
      try {
        return await upsert(connection, bucket, intervalMs, allowIfTatAtMostMs, nowMs);
      } finally {
        await sql`pragma synchronous = full`.execute(connection);
      }
    });
  }

  return {
    take(bucket, limit, nowMs = Date.now()) {
      return guarded(async () => {
        const { intervalMs, allowIfTatAtMostMs } = gcraStep(limit, nowMs);
        const tatMs = await take(bucket, intervalMs, allowIfTatAtMostMs, nowMs);
        if (tatMs !== undefined) return gcraDecision(limit, true, Number(tatMs), nowMs);
        const { rows } = await sql<{ tat_ms: number }>`select tat_ms from rate_limits where bucket = ${bucket}`.execute(db);
        return gcraDecision(limit, false, Number(rows[0]?.tat_ms ?? nowMs), nowMs);
      });
    },
  };
}
