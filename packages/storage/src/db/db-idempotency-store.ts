import { createHash, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { IdempotencyEntry, IdempotencyStore } from '../storage';
import type { RecordDatabase } from './open-database';
import { guarded } from './store-errors';

export interface DbIdempotencyStoreOptions {
  /** How long a request may hold a key before another may take it over (its holder died). @defaultValue 30 000 */
  leaseMs?: number;
  /** How long a request waits for another holding its key. @defaultValue 30 000 */
  waitMs?: number;
  now?: () => number;
}

const hashKey = (key: string) => createHash('sha256').update(key, 'utf8').digest('hex');

/**
 * Idempotency-Keys in the record database, stored as their SHA-256 (any string is safe). Requests
 * sharing a key are served one at a time, across processes and hosts, by a lease on the key's row:
 * taken with one conditional write, released when the request is answered, and taken over once it
 * expires (its holder died). Waiting requests poll with a short backoff.
 */
export function createDbIdempotencyStore(database: RecordDatabase, options: DbIdempotencyStoreOptions = {}): IdempotencyStore {
  const { db } = database;
  const leaseMs = options.leaseMs ?? 30_000;
  const waitMs = options.waitMs ?? 30_000;
  const now = options.now ?? Date.now;

  /** True when this caller now holds the key's lease. */
  async function takeLease(keyHash: string, owner: string): Promise<boolean> {
    const at = now();
    const inserted = await db
      .insertInto('idempotency_keys')
      .values({ key_hash: keyHash, fingerprint: null, task_id: null, created_ms: null, expires_ms: null, lease_owner: owner, lease_until_ms: at + leaseMs })
      .onConflict((oc) => oc.column('key_hash').doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 1) return true;
    const taken = await db
      .updateTable('idempotency_keys')
      .set({ lease_owner: owner, lease_until_ms: at + leaseMs })
      .where('key_hash', '=', keyHash)
      .where((eb) => eb.or([eb('lease_until_ms', 'is', null), eb('lease_until_ms', '<', at)]))
      .executeTakeFirst();
    return Number(taken.numUpdatedRows) === 1;
  }

  return {
    exclusive(key, fn) {
      const keyHash = hashKey(key);
      const owner = randomUUID();
      return guarded(async () => {
        const deadline = now() + waitMs;
        for (let pause = 5; !(await takeLease(keyHash, owner)); pause = Math.min(pause * 2, 200)) {
          if (now() >= deadline) throw new Error(`another request held Idempotency-Key ${keyHash.slice(0, 12)}… for over ${waitMs} ms`);
          await sleep(pause);
        }
        try {
          const row = await db.selectFrom('idempotency_keys').selectAll().where('key_hash', '=', keyHash).executeTakeFirst();
          const live: IdempotencyEntry | undefined =
            row?.task_id != null && row.fingerprint != null && row.created_ms != null && row.expires_ms != null && row.expires_ms > now()
              ? { fingerprint: row.fingerprint, task_id: row.task_id, created_at: new Date(row.created_ms).toISOString(), expires_at: new Date(row.expires_ms).toISOString() }
              : undefined;
          const { value, store } = await fn(live);
          await db
            .updateTable('idempotency_keys')
            .set({
              ...(store === undefined
                ? {}
                : { fingerprint: store.fingerprint, task_id: store.task_id, created_ms: Date.parse(store.created_at), expires_ms: Date.parse(store.expires_at) }),
              lease_owner: null,
              lease_until_ms: null,
            })
            .where('key_hash', '=', keyHash)
            .where('lease_owner', '=', owner)
            .execute();
          return value;
        } catch (err) {
          await db
            .updateTable('idempotency_keys')
            .set({ lease_owner: null, lease_until_ms: null })
            .where('key_hash', '=', keyHash)
            .where('lease_owner', '=', owner)
            .execute()
            .catch(() => undefined);
          throw err;
        }
      });
    },

    sweepExpired() {
      return guarded(async () => {
        const at = now();
        const result = await db
          .deleteFrom('idempotency_keys')
          // Expired entries, and rows a request left without an entry (it failed before storing one).
          .where((eb) => eb.or([eb('expires_ms', '<=', at), eb('expires_ms', 'is', null)]))
          .where((eb) => eb.or([eb('lease_until_ms', 'is', null), eb('lease_until_ms', '<', at)]))
          .executeTakeFirst();
        return Number(result.numDeletedRows);
      });
    },
  };
}
