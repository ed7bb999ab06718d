import type { IdempotencyEntry } from '../storage';
import type { RecordDatabase } from './open-database';
import { guarded } from './store-errors';

/** An Idempotency-Key entry as the file store kept it: under the SHA-256 of the key, never the key. */
export interface HashedIdempotencyEntry extends IdempotencyEntry {
  /** SHA-256 (64 hex digits) of the client's key: its file's name in `DATA_DIR/idempotency`. */
  key_hash: string;
}

const KEY_HASH = /^[0-9a-f]{64}$/;
const CHUNK = 500;

/**
 * Inserts the entries whose key the database lacks (a key it has is left as it is) and says how
 * many went in and how many were there already; with `dryRun`, only counts. For
 * `npm run records -- import`.
 */
export async function importIdempotencyKeys(
  database: RecordDatabase,
  entries: readonly HashedIdempotencyEntry[],
  options: { dryRun: boolean },
): Promise<{ imported: number; present: number }> {
  for (const e of entries) if (!KEY_HASH.test(e.key_hash)) throw new RangeError(`not a SHA-256 key hash: ${JSON.stringify(e.key_hash)}`);
  const unique = [...new Map(entries.map((e) => [e.key_hash, e])).values()];
  let imported = 0;
  return guarded(async () => {
    for (let i = 0; i < unique.length; i += CHUNK) {
      const chunk = unique.slice(i, i + CHUNK);
      if (options.dryRun) {
        const present = await database.db.selectFrom('idempotency_keys').select('key_hash').where('key_hash', 'in', chunk.map((e) => e.key_hash)).execute();
        imported += chunk.length - present.length;
        continue;
      }
      const rows = await database.db
        .insertInto('idempotency_keys')
        .values(
          chunk.map((e) => ({
            key_hash: e.key_hash,
            fingerprint: e.fingerprint,
            task_id: e.task_id,
            created_ms: Date.parse(e.created_at),
            expires_ms: Date.parse(e.expires_at),
            lease_owner: null,
            lease_until_ms: null,
          })),
        )
        .onConflict((oc) => oc.column('key_hash').doNothing())
        .returning('key_hash')
        .execute();
      imported += rows.length;
    }
    return { imported, present: unique.length - imported };
  });
}
