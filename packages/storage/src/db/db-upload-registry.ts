import { assertSafeKey, isUploadKey } from '../keys';
import type { UploadInfo, UploadRegistry } from '../storage';
import type { RecordDatabase } from './open-database';
import { guarded } from './store-errors';

export interface DbUploadRegistryOptions {
  /** The clock an upload's age counts from. @defaultValue Date.now */
  now?: () => number;
}

interface Pending {
  row: { key: string; content_type: string; size: number; created_ms: number };
  resolve: () => void;
  reject: (err: unknown) => void;
}

/** Rows per insert: 4 parameters each, far under SQLite's and PostgreSQL's limits. */
const CHUNK = 500;

/**
 * Uploads in the record database. The calls made in one turn of the event loop (the files of one
 * form, concurrent uploads) become one multi-row insert; each call resolves once it committed.
 */
export function createDbUploadRegistry(database: RecordDatabase, options: DbUploadRegistryOptions = {}): UploadRegistry {
  const now = options.now ?? Date.now;
  let pending: Pending[] = [];

  async function flush(): Promise<void> {
    const batch = pending;
    pending = [];
    try {
      await guarded(async () => {
        for (let i = 0; i < batch.length; i += CHUNK) {
          await database.db
            .insertInto('uploads')
            .values(batch.slice(i, i + CHUNK).map((p) => p.row))
            // Keys are random and never reissued: a conflict is the same upload recorded twice.
            .onConflict((oc) => oc.column('key').doNothing())
            .execute();
        }
      });
    } catch (err) {
      for (const p of batch) p.reject(err);
      return;
    }
    for (const p of batch) p.resolve();
  }

  return {
    add(upload: UploadInfo) {
      return new Promise<void>((resolve, reject) => {
        if (!isUploadKey(assertSafeKey(upload.key))) throw new RangeError(`not an upload key: ${JSON.stringify(upload.key)}`);
        pending.push({ row: { key: upload.key, content_type: upload.content_type, size: upload.size, created_ms: now() }, resolve, reject });
        if (pending.length === 1) setImmediate(() => void flush());
      });
    },
  };
}
