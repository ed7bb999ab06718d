import pg from 'pg';

/** Where offload keeps task records in a bench run: its default (SQLite in DATA_DIR) and PostgreSQL. */
export interface RecordStoreVariant {
  /** Side name suffix in logs and the JSON ('' for the default). */
  suffix: string;
  /** Metric suffix in the table. */
  label: string;
  /** Env for offload's processes: RECORD_STORE_URL set, or explicitly unset (empty counts as unset). */
  env: { RECORD_STORE_URL: string };
}

/** The PostgreSQL database the bench keeps records in (created when missing). */
export const RECORD_STORE_URL = process.env.BENCH_RECORD_STORE_URL ?? 'postgres://postgres@127.0.0.1:5432/offload_bench';

/** The server's version, making the bench's database first when it is missing; or why not. */
export async function postgresVersion(url: string = RECORD_STORE_URL): Promise<{ version: string } | { error: string }> {
  const target = new URL(url);
  const database = target.pathname.slice(1);
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString(), connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    const exists = await client.query('select 1 from pg_database where datname = $1', [database]);
    if (exists.rowCount === 0) await client.query(`create database "${database.replaceAll('"', '""')}"`);
    const { rows } = await client.query<{ server_version: string }>('show server_version');
    return { version: rows[0]?.server_version ?? '?' };
  } catch (err) {
    return { error: err instanceof Error ? err.message : String(err) };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The default store always; PostgreSQL when the local server answers. */
export async function recordStoreVariants(): Promise<{ variants: RecordStoreVariant[]; skipped?: string }> {
  const sqlite: RecordStoreVariant = { suffix: '', label: '', env: { RECORD_STORE_URL: '' } };
  const postgres = await postgresVersion();
  if ('error' in postgres) return { variants: [sqlite], skipped: `records in PostgreSQL not measured: ${postgres.error}` };
  return { variants: [sqlite, { suffix: ', PostgreSQL records', label: ', records in PostgreSQL', env: { RECORD_STORE_URL } }] };
}
