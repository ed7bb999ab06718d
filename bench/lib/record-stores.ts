import pg from 'pg';

/** Where offload keeps task records in a bench run: its default (SQLite in DATA_DIR) and PostgreSQL. */
export interface RecordStoreVariant {
  /** The backend, in side names (`offload SQLite`) and table metrics (`tasks/s, SQLite`). */
  name: 'SQLite' | 'PostgreSQL';
  /** Short tag for log files and queue prefixes. */
  tag: 'sqlite' | 'pg';
  /** Env for offload's processes: RECORD_STORE_URL set, or explicitly unset (empty counts as unset). */
  env: { RECORD_STORE_URL: string };
}

export const SQLITE_VARIANT: RecordStoreVariant = { name: 'SQLite', tag: 'sqlite', env: { RECORD_STORE_URL: '' } };

/** The PostgreSQL database the bench keeps records in: dropped and made afresh once per bench process. */
export const RECORD_STORE_URL = process.env.BENCH_RECORD_STORE_URL ?? 'postgres://postgres@127.0.0.1:5432/offload_bench';

export const POSTGRES_VARIANT: RecordStoreVariant = { name: 'PostgreSQL', tag: 'pg', env: { RECORD_STORE_URL } };

/** The side name of offload on one record store (`offload SQLite`). */
export const offloadSide = (variant: RecordStoreVariant): string => `offload ${variant.name}`;

/** The database a postgres:// URL names. */
export const databaseOf = (url: string): string => decodeURIComponent(new URL(url).pathname.slice(1));

/**
 * Drops the database `url` names (closing other sessions on it) and creates it empty; returns the
 * server's version, or why not. The server's own `postgres` database is where it connects to do so.
 */
export async function freshDatabase(url: string): Promise<{ version: string } | { error: string }> {
  const database = databaseOf(url);
  const quoted = `"${database.replaceAll('"', '""')}"`;
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString(), connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    // FORCE (PostgreSQL 13+): a process of an earlier, interrupted bench may still be connected.
    await client.query(`drop database if exists ${quoted} with (force)`);
    await client.query(`create database ${quoted}`);
    const { rows } = await client.query<{ server_version: string }>('show server_version');
    return { version: rows[0]?.server_version ?? '?' };
  } catch (err) {
    return { error: `PostgreSQL at ${admin.host} (${err instanceof Error ? err.message : String(err)})` };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Drops the database `url` names, if it is there. */
export async function dropDatabase(url: string): Promise<void> {
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString(), connectionTimeoutMillis: 2_000 });
  await client.connect();
  try {
    await client.query(`drop database if exists "${databaseOf(url).replaceAll('"', '""')}" with (force)`);
  } finally {
    await client.end();
  }
}

let prepared: Promise<{ version: string } | { error: string }> | undefined;

/**
 * The bench's PostgreSQL database, made afresh the first time a process asks (so every bench run,
 * and every row run on its own, starts from an empty database, as its SQLite starts from an empty
 * DATA_DIR); the server's version, or why PostgreSQL is not measured.
 */
export function benchDatabase(): Promise<{ version: string } | { error: string }> {
  prepared ??= freshDatabase(RECORD_STORE_URL);
  return prepared;
}

/** The default store always; PostgreSQL when the local server answers. */
export async function recordStoreVariants(): Promise<{ variants: RecordStoreVariant[]; skipped?: string }> {
  const postgres = await benchDatabase();
  if ('error' in postgres) return { variants: [SQLITE_VARIANT], skipped: `records in PostgreSQL not measured: ${postgres.error}` };
  return { variants: [SQLITE_VARIANT, POSTGRES_VARIANT] };
}
