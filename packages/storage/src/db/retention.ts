import type { ExpressionBuilder } from 'kysely';
import { TASK_STATUSES, isTerminalStatus } from '@offload/contracts';
import { assertSafeKey } from '../keys';
import type { BlobStore, IdempotencyStore, WorkerStore } from '../storage';
import type { RecordDatabase } from './open-database';
import type { Database } from './schema';
import { guarded } from './store-errors';
import { withWriteTransaction, type Executor } from './write-transaction';

export interface RetentionSweepOptions {
  /** `RETENTION_S` in milliseconds: finished records older than this go, with what only they use. */
  retentionMs: number;
  /** Rows one transaction deletes at most. @defaultValue 500 */
  batchSize?: number;
  /** @defaultValue Date.now */
  now?: () => number;
  /** Aborted: the sweep stops after the batch it is on (shutdown); the next one continues. */
  signal?: AbortSignal;
}

/**
 * What one sweep deleted (field names as logged). Each row is deleted, and counted, by exactly one
 * sweep.
 */
export interface RetentionReport {
  /** Finished task records past retention (with their upload links). */
  records: number;
  /** Output blobs of those records. */
  outputs: number;
  /** Uploads past retention that no remaining task names: their rows and blobs. */
  uploads: number;
  /** Expired Idempotency-Keys. */
  idempotency_keys: number;
  /** Worker rows silent for over a day. */
  workers: number;
  /** Blob deletions an earlier sweep committed to but did not finish (it stopped half-way). */
  leftover_blobs: number;
  /** Blobs that could not be deleted now: kept in the journal, retried by a later sweep. */
  blob_failures: number;
}

export interface RetentionDeps {
  database: RecordDatabase;
  blobs: BlobStore;
  idempotency: IdempotencyStore;
  workers: WorkerStore;
}

/** How long a sweep holds the blob deletions it took before another sweep may take them over. */
const BLOB_CLAIM_MS = 5 * 60 * 1000;
/** A worker row whose last beat is older than this belongs to a process long gone. */
const LOST_WORKER_MS = 24 * 60 * 60 * 1000;
/** Blob deletions at once. */
const BLOB_CONCURRENCY = 16;

const TERMINAL = TASK_STATUSES.filter(isTerminalStatus);

/**
 * Deletes what retention says may go, in transactions of at most `batchSize` rows:
 *
 * 1. blob deletions a sweep that died left in the journal (`blob_deletions`);
 * 2. records finished before now − retention, their upload links, and their outputs;
 * 3. uploads created before now − retention that no remaining task names (one nobody ever used too);
 * 4. expired Idempotency-Keys, and worker rows silent for a day.
 *
 * Rows go first: each transaction deletes its rows and writes the blobs they leave behind to the
 * journal; the blobs are deleted once it committed, then struck from the journal. Several processes
 * may sweep at once: PostgreSQL's `FOR UPDATE SKIP LOCKED` gives each a disjoint set of rows, SQLite
 * runs write transactions one at a time, and every delete re-checks its condition and reports only
 * the rows it removed. See upload-links.ts for why a task being created never loses its upload.
 */
export async function sweepRetention(deps: RetentionDeps, options: RetentionSweepOptions): Promise<RetentionReport> {
  if (!(options.retentionMs > 0)) throw new RangeError(`retentionMs must be positive, got ${options.retentionMs}`);
  const { database, blobs } = deps;
  const batchSize = options.batchSize ?? 500;
  const now = options.now ?? Date.now;
  const stopped = () => options.signal?.aborted === true;
  const postgres = database.dialect === 'postgres';
  const report: RetentionReport = { records: 0, outputs: 0, uploads: 0, idempotency_keys: 0, workers: 0, leftover_blobs: 0, blob_failures: 0 };
  const transaction = <T>(fn: (trx: Executor) => Promise<T>) => guarded(() => withWriteTransaction(database, fn));

  /** Deletes the blobs, then their journal rows; a failure leaves its row, claimed until it expires. */
  async function deleteBlobs(keys: readonly string[]): Promise<number> {
    const done: string[] = [];
    for (let i = 0; i < keys.length; i += BLOB_CONCURRENCY) {
      const chunk = keys.slice(i, i + BLOB_CONCURRENCY);
      const results = await Promise.allSettled(chunk.map((key) => blobs.delete(key)));
      results.forEach((result, j) => {
        const key = chunk[j];
        if (result.status === 'fulfilled' && key !== undefined) done.push(key);
      });
    }
    report.blob_failures += keys.length - done.length;
    for (let i = 0; i < done.length; i += batchSize) {
      const chunk = done.slice(i, i + batchSize);
      await guarded(() => database.db.deleteFrom('blob_deletions').where('key', 'in', chunk).execute());
    }
    return done.length;
  }

  async function journal(trx: Executor, keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    const due_ms = now() + BLOB_CLAIM_MS;
    await trx
      .insertInto('blob_deletions')
      .values(keys.map((key) => ({ key, due_ms })))
      .onConflict((oc) => oc.column('key').doUpdateSet({ due_ms }))
      .execute();
  }

  // 1. Journal rows whose claim ran out: their sweep died (or failed to delete the blob).
  while (!stopped()) {
    const claimed = await transaction(async (trx) => {
      const at = now();
      let pick = trx.selectFrom('blob_deletions').select('key').where('due_ms', '<=', at).orderBy('due_ms').limit(batchSize);
      if (postgres) pick = pick.forUpdate().skipLocked();
      const keys = (await pick.execute()).map((row) => row.key);
      if (keys.length > 0) await trx.updateTable('blob_deletions').set({ due_ms: at + BLOB_CLAIM_MS }).where('key', 'in', keys).execute();
      return keys;
    });
    report.leftover_blobs += await deleteBlobs(claimed);
    if (claimed.length < batchSize) break;
  }

  // 2. Finished records past retention.
  // Picked by the finished_ms index alone, in its order (no sort), and deleted by id: the rows are
  // ours until the transaction ends (SQLite's write lock, PostgreSQL's FOR UPDATE), so the delete
  // needs no second look. With the status in the pick, SQLite walked the status index and sorted
  // every finished task for each batch; with it in the delete, it scanned them for each batch.
  // A record with a finish time that is not finished (none should be) is skipped, not deleted.
  const notFinished = new Set<string>();
  while (!stopped()) {
    const cutoff = now() - options.retentionMs;
    const skip = [...notFinished];
    const batch = await transaction(async (trx) => {
      let pick = trx.selectFrom('tasks').select(['id', 'status']).where('finished_ms', '<', cutoff);
      if (skip.length > 0) pick = pick.where('id', 'not in', skip);
      pick = pick.orderBy('finished_ms').limit(batchSize);
      if (postgres) pick = pick.forUpdate().skipLocked();
      const picked = await pick.execute();
      for (const row of picked) if (!TERMINAL.includes(row.status as (typeof TERMINAL)[number])) notFinished.add(row.id);
      const ids = picked.filter((row) => !notFinished.has(row.id)).map((row) => row.id);
      if (ids.length === 0) return { picked: picked.length, deleted: 0, outputs: [] };
      const rows = await trx.deleteFrom('tasks').where('id', 'in', ids).returning(['id', 'record']).execute();
      const gone = rows.map((row) => row.id);
      if (gone.length > 0) await trx.deleteFrom('task_uploads').where('task_id', 'in', gone).execute();
      const outputs = rows.flatMap((row) => outputKeys(row.id, row.record));
      await journal(trx, outputs);
      return { picked: picked.length, deleted: gone.length, outputs };
    });
    report.records += batch.deleted;
    report.outputs += batch.outputs.length;
    await deleteBlobs(batch.outputs);
    if (batch.picked < batchSize) break;
  }

  // 3. Uploads past retention that no remaining task names. The scan walks the old uploads once, in
  // (created_ms, key) order from where the last batch stopped: most old uploads are still named by
  // a task, and filtering them in the scan made every batch read them all again (quadratic).
  let after: { createdMs: number; key: string } | undefined;
  while (!stopped()) {
    const cutoff = now() - options.retentionMs;
    const from = after;
    const batch = await transaction(async (trx) => {
      let pick = trx.selectFrom('uploads').select(['key', 'created_ms']).where('created_ms', '<', cutoff);
      if (from !== undefined) {
        pick = pick.where(({ or, and, eb }) => or([eb('created_ms', '>', from.createdMs), and([eb('created_ms', '=', from.createdMs), eb('key', '>', from.key)])]));
      }
      pick = pick.orderBy('created_ms').orderBy('key').limit(batchSize);
      if (postgres) pick = pick.forUpdate().skipLocked();
      const candidates = await pick.execute();
      const last = candidates.at(-1);
      if (last === undefined) return { picked: 0, keys: [], last: undefined };
      // The delete checks that no task names them, in a statement of its own, so PostgreSQL reads
      // every link committed until now.
      const rows = await trx
        .deleteFrom('uploads')
        .where(
          'key',
          'in',
          candidates.map((c) => c.key),
        )
        .where(unreferenced)
        .returning('key')
        .execute();
      const gone = rows.map((row) => row.key);
      await journal(trx, gone);
      return { picked: candidates.length, keys: gone, last: { createdMs: last.created_ms, key: last.key } };
    });
    report.uploads += batch.keys.length;
    await deleteBlobs(batch.keys);
    after = batch.last;
    if (batch.picked < batchSize) break;
  }

  // 4. Expired Idempotency-Keys and lost workers.
  if (!stopped()) report.idempotency_keys = await deps.idempotency.sweepExpired();
  if (!stopped()) report.workers = await deps.workers.sweep(now() - LOST_WORKER_MS);
  return report;
}

/** No task names the upload (a link whose task row is gone names nothing). */
function unreferenced(eb: ExpressionBuilder<Database, 'uploads'>) {
  return eb.not(
    eb.exists(
      eb
        .selectFrom('task_uploads')
        .innerJoin('tasks', 'tasks.id', 'task_uploads.task_id')
        .select('task_uploads.task_id')
        .whereRef('task_uploads.upload_key', '=', 'uploads.key'),
    ),
  );
}

/**
 * The outputs a record names that belong to it alone: `out_<its id>.…` keys (outputKey). A key
 * of any other shape is left alone, whatever the record says.
 */
export function outputKeys(taskId: string, recordText: string): string[] {
  let record: unknown;
  try {
    record = JSON.parse(recordText);
  } catch {
    return [];
  }
  const result: unknown = isObject(record) ? record.result : undefined;
  if (!isObject(result)) return [];
  const outputs: unknown[] = Array.isArray(result.outputs) ? result.outputs : [];
  const named = [result.output_key, ...outputs.map((o) => (isObject(o) ? o.output_key : undefined))];
  const own = named.filter((key): key is string => typeof key === 'string' && key.startsWith(`out_${taskId}.`) && isSafeKey(key));
  return [...new Set(own)];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function isSafeKey(key: string): boolean {
  try {
    assertSafeKey(key);
    return true;
  } catch {
    return false;
  }
}
