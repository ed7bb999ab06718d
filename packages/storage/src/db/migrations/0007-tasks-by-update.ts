import type { Kysely, Migration } from 'kysely';

/**
 * The changes feed (`GET /v1/events`, the console's live pages) reads the rows written since a
 * moment, every half second: without an index on the write time each read would scan the table.
 */
export const tasksByUpdate: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.createIndex('tasks_by_updated').on('tasks').columns(['updated_ms', 'id']).execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropIndex('tasks_by_updated').execute();
  },
};
