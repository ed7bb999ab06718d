import type { Kysely, Migration } from 'kysely';

/**
 * Scheduled tasks wait here, message and all, until they are due: the API publishes each when it
 * is (scheduler.ts), under a lease so that two API processes do not both publish it. Webhook
 * secrets: one per tenant, made on first use.
 */
export const scheduledTasksAndWebhookSecrets: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('scheduled_tasks')
      .addColumn('task_id', 'text', (c) => c.primaryKey())
      .addColumn('due_ms', 'bigint', (c) => c.notNull())
      .addColumn('lease_until_ms', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('routing_key', 'text', (c) => c.notNull())
      .addColumn('body', 'text', (c) => c.notNull())
      .addColumn('headers', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('scheduled_tasks_by_due').on('scheduled_tasks').columns(['due_ms', 'lease_until_ms']).execute();
    await db.schema
      .createTable('webhook_secrets')
      .addColumn('tenant', 'text', (c) => c.primaryKey())
      .addColumn('secret', 'text', (c) => c.notNull())
      .addColumn('created_ms', 'bigint', (c) => c.notNull())
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('webhook_secrets').execute();
    await db.schema.dropTable('scheduled_tasks').execute();
  },
};
