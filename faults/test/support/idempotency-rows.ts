import { createHash } from 'node:crypto';
import { openStorage, type DbStorage } from '@offload/storage';
import type { Submission } from './api-client';
import type { RecordLocation } from './checker';

/** One Idempotency-Key's row, as the record database holds it. */
export interface IdempotencyRow {
  /** The task the key names; null while no entry was stored. */
  taskId: string | null;
  /** Set while a request holds the key (or held it and failed before releasing it). */
  leaseOwner: string | null;
}

const CHUNK = 500;

/**
 * The rows of `keys`, by key, read straight from the record database: the store keeps a key as its
 * SHA-256 (hex). `idempotency.exclusive` would write, and would first wait out the lease a request
 * leaves on its key when the database goes away under it (30 s).
 */
export async function idempotencyRows(storage: DbStorage, keys: readonly string[]): Promise<Map<string, IdempotencyRow>> {
  const byHash = new Map(keys.map((key) => [createHash('sha256').update(key, 'utf8').digest('hex'), key]));
  const hashes = [...byHash.keys()];
  const rows = new Map<string, IdempotencyRow>();
  for (let i = 0; i < hashes.length; i += CHUNK) {
    const found = await storage.database.db
      .selectFrom('idempotency_keys')
      .select(['key_hash', 'task_id', 'lease_owner'])
      .where('key_hash', 'in', hashes.slice(i, i + CHUNK))
      .execute();
    for (const row of found) {
      const key = byHash.get(row.key_hash);
      if (key !== undefined) rows.set(key, { taskId: row.task_id, leaseOwner: row.lease_owner });
    }
  }
  return rows;
}

/**
 * What the record database says of tasks the checker found `unexpected` after a database outage,
 * and of the refused keyed submissions that might explain them. A keyed submit can answer 503
 * store_unavailable after its task was published and confirmed, when the database goes away
 * between taking the key's lease and storing its entry (apps/api/src/submit-task.ts, see
 * faults/README.md): the task runs, under an id no answer named. Each such request leaves its key
 * leased with no task, so their number bounds those tasks.
 */
export interface RefusedButRan {
  /** Keys of 503 answers that a request leased and never stored a task under. */
  leftLeased: number;
  /** The status of each unexpected task's record (absent: no record). */
  statuses: Record<string, string>;
}

export async function refusedButRan(location: RecordLocation, submissions: readonly Submission[], unexpected: readonly string[]): Promise<RefusedButRan> {
  const storage = await openStorage({ dataDir: location.dataDir, ...(location.url === undefined ? {} : { recordStoreUrl: location.url }) });
  try {
    const keys = submissions.flatMap((s) => (s.outcome === 'not_accepted' && s.idempotencyKey !== undefined ? [s.idempotencyKey] : []));
    const rows = await idempotencyRows(storage, keys);
    const statuses: Record<string, string> = {};
    for (const id of unexpected) statuses[id] = (await storage.records.get(id))?.status ?? 'absent';
    return { leftLeased: [...rows.values()].filter((row) => row.taskId === null && row.leaseOwner !== null).length, statuses };
  } finally {
    await storage.close();
  }
}
