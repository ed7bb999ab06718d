import type { Kysely, Migration } from 'kysely';

/** Worker heartbeats: one row per worker process, rewritten every beat, deleted on a graceful stop. */
export const workers: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('workers')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('host', 'text', (c) => c.notNull())
      .addColumn('pid', 'integer', (c) => c.notNull())
      .addColumn('version', 'text', (c) => c.notNull())
      .addColumn('task_types', 'text', (c) => c.notNull())
      .addColumn('concurrency', 'integer', (c) => c.notNull())
      .addColumn('running_task_ids', 'text', (c) => c.notNull())
      .addColumn('started_ms', 'bigint', (c) => c.notNull())
      .addColumn('beat_ms', 'bigint', (c) => c.notNull())
      .addColumn('beat_interval_ms', 'integer', (c) => c.notNull())
      .execute();
    // Listing skips, and the sweep deletes, rows silent for long: both go by the last beat.
    await db.schema.createIndex('workers_by_beat').on('workers').column('beat_ms').execute();
  },
};
