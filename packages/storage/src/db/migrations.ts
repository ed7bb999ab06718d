import type { Migration, MigrationProvider } from 'kysely';
import { tasksAndIdempotencyKeys } from './migrations/0001-tasks-and-idempotency-keys';
import { workers } from './migrations/0002-workers';
import { uploads } from './migrations/0003-uploads';
import { apiKeys } from './migrations/0004-api-keys';
import { tenantTypeStatusIndex } from './migrations/0005-tenant-type-status-index';
import { scheduledTasksAndWebhookSecrets } from './migrations/0006-scheduled-tasks-and-webhook-secrets';
import { tasksByUpdate } from './migrations/0007-tasks-by-update';

/**
 * Versioned migrations, applied in name order at start-up by whichever process comes first (the
 * others wait for it): never edit one that has shipped, add the next as a file in migrations/ and
 * a line here. Column types are the ones both SQLite and PostgreSQL take: `text`, `integer`,
 * `bigint`, `double precision`.
 */
const MIGRATIONS: Readonly<Record<string, Migration>> = {
  '0001_tasks_and_idempotency_keys': tasksAndIdempotencyKeys,
  '0002_workers': workers,
  '0003_uploads': uploads,
  '0004_api_keys': apiKeys,
  '0005_tenant_type_status_index': tenantTypeStatusIndex,
  '0006_scheduled_tasks_and_webhook_secrets': scheduledTasksAndWebhookSecrets,
  '0007_tasks_by_update': tasksByUpdate,
};

/** The migrations as Kysely's Migrator reads them. */
export const migrationProvider: MigrationProvider = {
  getMigrations: () => Promise.resolve(MIGRATIONS),
};
