import type { Kysely, Migration } from 'kysely';

/**
 * What retention needs to know about blobs: every upload the API stored, which tasks name which
 * uploads, and the blob deletions a sweep has committed to but not yet done.
 */
export const uploads: Migration = {
  async up(db: Kysely<unknown>) {
    // One row per stored upload. The key is the primary key on its own (keys are random and never
    // reissued), so a tenant column can be added later without touching it.
    await db.schema
      .createTable('uploads')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('content_type', 'text', (c) => c.notNull())
      .addColumn('size', 'bigint', (c) => c.notNull())
      .addColumn('created_ms', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('uploads_by_created').on('uploads').columns(['created_ms', 'key']).execute();

    // The uploads a task's content names, written in the transaction that creates the task. No
    // foreign keys: SQLite enforces them only per connection, and the sweep deletes a task's links
    // with the task itself.
    await db.schema
      .createTable('task_uploads')
      .addColumn('task_id', 'text', (c) => c.notNull())
      .addColumn('upload_key', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('task_uploads_pk', ['task_id', 'upload_key'])
      .execute();
    await db.schema.createIndex('task_uploads_by_upload').on('task_uploads').columns(['upload_key', 'task_id']).execute();

    // Blobs whose rows are gone: written in the transaction that deletes the rows, removed once
    // the files are. A sweep that dies in between leaves them here for the next one, claimed by
    // `due_ms` so two sweeps do not take the same row at once.
    await db.schema
      .createTable('blob_deletions')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('due_ms', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('blob_deletions_by_due').on('blob_deletions').columns(['due_ms', 'key']).execute();
  },
};
