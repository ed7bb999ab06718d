import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { TaskRecord } from '@offload/contracts';
import { importIdempotencyKeys, type DbStorage, type HashedIdempotencyEntry } from '@offload/storage';
import { oneLine } from '../dlq/format';
import { IDEMPOTENCY_DIR, RECORDS_DIR, jsonFiles, parseKeyFile, parseRecordFile, type Parsed } from './file-store';

export interface InvalidFile {
  /** The file's name in its directory. */
  file: string;
  reason: string;
}

export interface SectionReport {
  /** The absolute directory read. */
  dir: string;
  /** False: there is no such directory (nothing to import). */
  found: boolean;
  /** Inserted (with `dryRun`: would be). */
  imported: number;
  /** Already in the database: left as it is. */
  present: number;
  invalid: InvalidFile[];
}

export interface ImportReport {
  dryRun: boolean;
  records: SectionReport & {
    /** Imported records that finished more than RETENTION_S ago: the next retention sweep deletes them. */
    pastRetention: number;
  };
  keys: SectionReport & {
    /** Entries past their expiry: they answer as absent, so they are not imported. */
    expired: number;
  };
}

export interface ImportOptions {
  dataDir: string;
  dryRun: boolean;
  /** RETENTION_S in ms (0: keep everything). */
  retentionMs: number;
  /** @defaultValue Date.now */
  now?: () => number;
}

/** Files read at once: they are small, and the record store batches the inserts they become. */
const CHUNK = 256;

/**
 * `npm run records -- import`: copies the file store's records and Idempotency-Keys into the
 * record database, leaving every id and key it already has as it is, so it is safe to run again.
 * A file that cannot be read or is not valid is reported, never fatal. No file is changed.
 */
export async function importFileStore(storage: Pick<DbStorage, 'records' | 'database'>, options: ImportOptions): Promise<ImportReport> {
  const now = options.now ?? Date.now;
  const root = resolve(options.dataDir);
  const recordsDir = join(root, RECORDS_DIR);
  const keysDir = join(root, IDEMPOTENCY_DIR);
  const recordFiles = await jsonFiles(recordsDir);
  const keyFiles = await jsonFiles(keysDir);
  const records = { ...emptySection(recordsDir, recordFiles), pastRetention: 0 };
  const keys = { ...emptySection(keysDir, keyFiles), expired: 0 };
  const cutoff = now() - options.retentionMs;

  await eachChunk(records, recordFiles ?? [], parseRecordFile, async (valid: TaskRecord[]) => {
    const fresh = await Promise.all(
      valid.map(async (record) => (options.dryRun ? (await storage.records.get(record.id)) === undefined : storage.records.create(record))),
    );
    const imported = valid.filter((_, i) => fresh[i]);
    records.imported += imported.length;
    records.present += valid.length - imported.length;
    if (options.retentionMs > 0) records.pastRetention += imported.filter((r) => r.finished_at !== undefined && Date.parse(r.finished_at) < cutoff).length;
  });

  await eachChunk(keys, keyFiles ?? [], parseKeyFile, async (valid: HashedIdempotencyEntry[]) => {
    const live = valid.filter((entry) => Date.parse(entry.expires_at) > now());
    keys.expired += valid.length - live.length;
    const counts = await importIdempotencyKeys(storage.database, live, { dryRun: options.dryRun });
    keys.imported += counts.imported;
    keys.present += counts.present;
  });

  return { dryRun: options.dryRun, records, keys };
}

function emptySection(dir: string, files: string[] | undefined): SectionReport {
  return { dir, found: files !== undefined, imported: 0, present: 0, invalid: [] };
}

/** Reads and parses `files` a chunk at a time, hands the valid ones to `load`, notes the rest in `target`. */
async function eachChunk<T>(
  target: SectionReport,
  files: readonly string[],
  parse: (name: string, text: string) => Parsed<T>,
  load: (valid: T[]) => Promise<void>,
): Promise<void> {
  for (let i = 0; i < files.length; i += CHUNK) {
    const names = files.slice(i, i + CHUNK);
    const parsed = await Promise.all(
      names.map(async (name): Promise<Parsed<T>> => {
        try {
          return parse(name, await readFile(join(target.dir, name), 'utf8'));
        } catch (err) {
          return { ok: false, reason: `cannot read it: ${oneLine(err instanceof Error ? err.message : String(err), 200)}` };
        }
      }),
    );
    const valid: T[] = [];
    parsed.forEach((p, j) => {
      if (p.ok) valid.push(p.value);
      else target.invalid.push({ file: names[j] ?? '', reason: p.reason });
    });
    if (valid.length > 0) await load(valid);
  }
}
