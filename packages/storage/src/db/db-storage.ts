import { randomUUID } from 'node:crypto';
import { mkdir, unlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createFsBlobStore } from '../fs-blob-store';
import type { Storage } from '../storage';
import { createDbApiKeyStore } from './db-api-key-store';
import { createDbIdempotencyStore } from './db-idempotency-store';
import { createDbRateLimiter } from './db-rate-limiter';
import { createDbRecordStore } from './db-record-store';
import { createDbScheduleStore } from './db-schedule-store';
import { createDbWebhookSecretStore } from './db-webhook-secret-store';
import { createDbUploadRegistry } from './db-upload-registry';
import { createDbWorkerStore } from './db-worker-store';
import { openRecordDatabase, type OpenDatabaseOptions, type RecordDatabase } from './open-database';
import { guarded } from './store-errors';
import { createTaskActivity } from './task-activity';
import { createTaskQueries } from './task-queries';

/** Storage with its records (and Idempotency-Keys, API keys, rate limits) in the record database, and blobs under DATA_DIR. */
export interface DbStorage extends Storage {
  readonly database: RecordDatabase;
}

/**
 * Opens the record database (SQLite in DATA_DIR, or PostgreSQL at `url`) and the blob store in
 * `DATA_DIR/blobs`.
 */
export async function openDbStorage(options: OpenDatabaseOptions): Promise<DbStorage> {
  const blobsDir = join(resolve(options.dataDir), 'blobs');
  await mkdir(blobsDir, { recursive: true });
  const database = await openRecordDatabase(options);
  return {
    database,
    blobs: createFsBlobStore(blobsDir),
    records: createDbRecordStore(database),
    queries: createTaskQueries(database),
    activity: createTaskActivity(database),
    idempotency: createDbIdempotencyStore(database),
    uploads: createDbUploadRegistry(database),
    workers: createDbWorkerStore(database),
    keys: createDbApiKeyStore(database),
    rateLimits: createDbRateLimiter(database),
    schedule: createDbScheduleStore(database),
    webhookSecrets: createDbWebhookSecretStore(database),
    async checkWritable() {
      await Promise.all([probeBlobs(blobsDir), guarded(() => probeDatabase(database))]);
    },
    close: () => database.close(),
  };
}

async function probeBlobs(dir: string): Promise<void> {
  const probe = join(dir, `.probe-${randomUUID()}`);
  await writeFile(probe, 'ok', { flag: 'wx' });
  await unlink(probe);
}

/** A write that changes nothing: it still needs the database up and writable. */
async function probeDatabase(database: RecordDatabase): Promise<void> {
  await database.db.updateTable('task_transitions').set({ to_status: 'probe' }).where('from_status', '=', 'no such status (a probe)').execute();
}
