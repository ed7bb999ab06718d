import { sql, type Kysely, type Migration } from 'kysely';

/** The tasks table with its listing indexes, the transition table, and Idempotency-Keys. */
export const tasksAndIdempotencyKeys: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('tasks')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('task_type', 'text', (c) => c.notNull())
      .addColumn('tenant', 'text', (c) => c.notNull().defaultTo('default'))
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('created_ms', 'bigint', (c) => c.notNull())
      .addColumn('updated_ms', 'bigint', (c) => c.notNull())
      .addColumn('finished_ms', 'bigint')
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('record', 'text', (c) => c.notNull())
      .execute();
    // Listings are newest first, filtered by any of tenant, status and task type: each index
    // ends in (created_ms, id), the cursor's order.
    const indexes: [string, string[]][] = [
      ['tasks_by_created', ['created_ms', 'id']],
      ['tasks_by_status', ['status', 'created_ms', 'id']],
      ['tasks_by_type', ['task_type', 'created_ms', 'id']],
      ['tasks_by_type_status', ['task_type', 'status', 'created_ms', 'id']],
      ['tasks_by_tenant', ['tenant', 'created_ms', 'id']],
      ['tasks_by_tenant_status', ['tenant', 'status', 'created_ms', 'id']],
      ['tasks_by_tenant_type', ['tenant', 'task_type', 'created_ms', 'id']],
    ];
    for (const [name, columns] of indexes) await db.schema.createIndex(name).on('tasks').columns(columns).execute();
    await db.schema.createIndex('tasks_by_finished').on('tasks').column('finished_ms').where(sql.ref('finished_ms'), 'is not', null).execute();

    await db.schema
      .createTable('task_transitions')
      .addColumn('from_status', 'text', (c) => c.notNull())
      .addColumn('to_status', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('task_transitions_pk', ['from_status', 'to_status'])
      .execute();
    // Its rows come from contracts' TASK_TRANSITIONS at every start (syncTransitions).

    await db.schema
      .createTable('idempotency_keys')
      .addColumn('key_hash', 'text', (c) => c.primaryKey())
      .addColumn('fingerprint', 'text')
      .addColumn('task_id', 'text')
      .addColumn('created_ms', 'bigint')
      .addColumn('expires_ms', 'bigint')
      .addColumn('lease_owner', 'text')
      .addColumn('lease_until_ms', 'bigint')
      .execute();
    await db.schema.createIndex('idempotency_keys_by_expiry').on('idempotency_keys').column('expires_ms').execute();
  },
};
