import { sql, type Kysely, type Migration } from 'kysely';

/** PostgreSQL numbers its parameters ($1), SQLite does not (?): the migration API names no dialect. */
function isPostgres(db: Kysely<unknown>): boolean {
  return sql`${0}`.compile(db).sql === '$1';
}

/** API keys, the rate-limit state shared by API processes, and the tenant of each upload. */
export const apiKeys: Migration = {
  async up(db: Kysely<unknown>) {
    // Names stay unique after a revocation, so a name in a log names one key for good.
    await db.schema
      .createTable('api_keys')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull().unique())
      .addColumn('tenant', 'text', (c) => c.notNull())
      .addColumn('scopes', 'text', (c) => c.notNull())
      .addColumn('key_hash', 'text', (c) => c.notNull().unique())
      .addColumn('prefix', 'text', (c) => c.notNull())
      .addColumn('created_ms', 'bigint', (c) => c.notNull())
      .addColumn('revoked_ms', 'bigint')
      // double precision, not real: PostgreSQL's real has 24 bits (0.1 reads back as 0.100000001).
      .addColumn('rate_rps', 'double precision')
      .addColumn('rate_burst', 'integer')
      .execute();

    // tat_ms is fractional: an emission interval of 1000/3 ms rounded to whole ms would let a
    // bucket drift from its rate, and one under 1 ms (over 1000 rps) would round to nothing.
    // PostgreSQL: unlogged, so a take (one per request) commits without waiting for a WAL flush.
    // A crash empties the table and a standby has none of it: both only refill the buckets.
    let rateLimits = db.schema.createTable('rate_limits');
    if (isPostgres(db)) rateLimits = rateLimits.modifyFront(sql`unlogged`);
    await rateLimits
      .addColumn('bucket', 'text', (c) => c.primaryKey())
      .addColumn('tat_ms', 'double precision', (c) => c.notNull())
      .execute();

    await db.schema
      .alterTable('uploads')
      .addColumn('tenant', 'text', (c) => c.notNull().defaultTo('default'))
      .execute();
  },
};
