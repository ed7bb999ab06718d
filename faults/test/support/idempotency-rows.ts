import { createHash } from 'node:crypto';
import type { DbStorage } from '@offload/storage';

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
