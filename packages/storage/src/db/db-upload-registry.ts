import { DEFAULT_TENANT, TENANT_PATTERN } from '@offload/contracts';
import { assertSafeKey, isUploadKey } from '../keys';
import type { UploadInfo, UploadRegistry } from '../storage';
import type { RecordDatabase } from './open-database';
import type { UploadsTable } from './schema';
import { guarded } from './store-errors';

export interface DbUploadRegistryOptions {
  /** The clock an upload's age counts from. @defaultValue Date.now */
  now?: () => number;
}

interface Pending {
  row: UploadsTable;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/** Rows per insert: 5 parameters each, far under SQLite's and PostgreSQL's limits. */
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
        const tenant = upload.tenant ?? DEFAULT_TENANT;
        if (!TENANT_PATTERN.test(tenant)) throw new RangeError(`not a tenant: ${JSON.stringify(tenant)}`);
        pending.push({ row: { key: upload.key, content_type: upload.content_type, size: upload.size, created_ms: now(), tenant }, resolve, reject });
        if (pending.length === 1) setImmediate(() => void flush());
      });
    },

    tenantsOf(keys) {
      return guarded(async () => {
        const tenants = new Map<string, string>();
        const unique = [...new Set(keys)];
        for (let i = 0; i < unique.length; i += CHUNK) {
          const rows = await database.db.selectFrom('uploads').select(['key', 'tenant']).where('key', 'in', unique.slice(i, i + CHUNK)).execute();
          for (const row of rows) tenants.set(row.key, row.tenant);
        }
        return tenants;
      });
    },
  };
}
