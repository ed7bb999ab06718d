import { createHash } from 'node:crypto';
import { copyFile, mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import pg from 'pg';
import { openStorage, SQLITE_FILE } from '@offload/storage';
import { OUT_DIR, ROOT } from './child';
import { databaseOf, freshDatabase, RECORD_STORE_URL, type RecordStoreVariant } from './record-stores';
import { seedRecords, type SeedOptions } from './seed-records';

/** Kysely's table of applied migrations, in both backends. */
const MIGRATION_TABLE = 'kysely_migration';
/** Where SQLite templates are kept between runs (bench/out is ignored by git and Docker). */
const TEMPLATE_DIR = join(OUT_DIR, 'listing');

/** The PostgreSQL database row 6 lists from, made afresh each run, and the template it is copied from. */
export const LISTING_URL = (() => {
  const url = new URL(RECORD_STORE_URL);
  url.pathname = `/${databaseOf(RECORD_STORE_URL)}_listing`;
  return url.toString();
})();
const templateName = `${databaseOf(LISTING_URL)}_template`;

export interface ListingDatabase {
  /** DATA_DIR for openStorage (blobs, and the SQLite file). */
  dataDir: string;
  /** RECORD_STORE_URL for openStorage; undefined for SQLite. */
  recordStoreUrl: string | undefined;
  /** How the records got there: seeded now (and kept as a template) or copied from the template. */
  how: { seeded: number } | { copied: number };
  /** The seed's "now": every record was created within `days` before it. */
  seedNowMs: number;
}

const seconds = (since: number) => (performance.now() - since) / 1000;

/** A template is only reused for the same records on the same schema. */
async function fingerprint(migrations: readonly string[], options: Omit<SeedOptions, 'nowMs'>): Promise<string> {
  const seeder = await readFile(join(ROOT, 'bench/lib/seed-records.ts'), 'utf8');
  return createHash('sha256').update(JSON.stringify([seeder, migrations, options])).digest('hex').slice(0, 16);
}

/**
 * A database of `options.records` task records for row 6 in `dataDir` (SQLite) or at LISTING_URL
 * (PostgreSQL), made afresh for this run: migrated by the storage package, then filled. Seeding a
 * million records takes minutes on this machine, so the first run keeps what it seeded as a template
 * (a file under bench/out/listing, a PostgreSQL template database) and later runs copy it, as long
 * as the seeder, its options and the schema's migrations are unchanged. Every run thus lists the
 * same records in a database no earlier run has touched.
 */
export async function listingDatabase(variant: RecordStoreVariant, dataDir: string, options: Omit<SeedOptions, 'nowMs'>, log: (line: string) => void): Promise<ListingDatabase> {
  if (variant.name === 'SQLite') return sqliteListing(dataDir, options, log);
  return postgresListing(dataDir, options, log);
}

async function sqliteListing(dataDir: string, options: Omit<SeedOptions, 'nowMs'>, log: (line: string) => void): Promise<ListingDatabase> {
  const storage = await openStorage({ dataDir });
  const file = storage.database.location;
  await storage.close();
  const db = new Sqlite(file, { readonly: true });
  const migrations = db.prepare<[], { name: string }>(`select name from ${MIGRATION_TABLE} order by name`).all().map((r) => r.name);
  db.close();
  const template = join(TEMPLATE_DIR, `records-${await fingerprint(migrations, options)}.db`);
  const started = performance.now();
  const kept = await readdir(TEMPLATE_DIR).catch(() => [] as string[]);
  if (kept.includes(template.slice(TEMPLATE_DIR.length + 1))) {
    for (const suffix of ['', '-wal', '-shm']) await rm(`${file}${suffix}`, { force: true });
    await copyFile(template, join(dataDir, SQLITE_FILE));
    return { dataDir, recordStoreUrl: undefined, how: { copied: seconds(started) }, seedNowMs: newestMs(join(dataDir, SQLITE_FILE)) };
  }
  log(`row 6: seeding ${options.records.toLocaleString('en-US')} records into SQLite (kept as a template for later runs)`);
  await seedRecords('sqlite', file, { ...options, nowMs: Date.now() });
  const took = seconds(started);
  await mkdir(TEMPLATE_DIR, { recursive: true });
  for (const old of kept) await rm(join(TEMPLATE_DIR, old), { force: true });
  await copyFile(file, template);
  return { dataDir, recordStoreUrl: undefined, how: { seeded: took }, seedNowMs: newestMs(file) };
}

/** The newest record's creation time, within one spacing of the seed's "now". */
function newestMs(file: string): number {
  const db = new Sqlite(file, { readonly: true });
  try {
    return db.prepare<[], { newest: number }>('select max(created_ms) as newest from tasks').get()?.newest ?? Date.now();
  } finally {
    db.close();
  }
}

async function postgresListing(dataDir: string, options: Omit<SeedOptions, 'nowMs'>, log: (line: string) => void): Promise<ListingDatabase> {
  const fresh = await freshDatabase(LISTING_URL);
  if ('error' in fresh) throw new Error(fresh.error);
  const storage = await openStorage({ dataDir, recordStoreUrl: LISTING_URL });
  await storage.close();
  const admin = new URL(LISTING_URL);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const listing = new pg.Client({ connectionString: LISTING_URL });
    await listing.connect();
    const migrations = (await listing.query<{ name: string }>(`select name from ${MIGRATION_TABLE} order by name`)).rows.map((r) => r.name);
    await listing.end();
    const label = `offload bench listing template ${await fingerprint(migrations, options)}`;
    const found = await client.query<{ label: string | null }>(`select shobj_description(oid, 'pg_database') as label from pg_database where datname = $1`, [templateName]);
    const started = performance.now();
    const { rows } = await client.query<{ version: number }>(`select current_setting('server_version_num')::int as version`);
    // FILE_COPY (PostgreSQL 15+) copies the files instead of logging every page: seconds, not minutes.
    const strategy = (rows[0]?.version ?? 0) >= 150_000 ? ' strategy file_copy' : '';
    if (found.rows[0]?.label === label) {
      await client.query(`drop database "${databaseOf(LISTING_URL)}" with (force)`);
      await client.query(`create database "${databaseOf(LISTING_URL)}" template "${templateName}"${strategy}`);
      return { dataDir, recordStoreUrl: LISTING_URL, how: { copied: seconds(started) }, seedNowMs: await newestPostgresMs() };
    }
    log(`row 6: seeding ${options.records.toLocaleString('en-US')} records into PostgreSQL (kept as a template for later runs)`);
    await seedRecords('postgres', LISTING_URL, { ...options, nowMs: Date.now() });
    const took = seconds(started);
    await client.query(`drop database if exists "${templateName}" with (force)`);
    await client.query(`create database "${templateName}" template "${databaseOf(LISTING_URL)}"${strategy}`);
    await client.query(`comment on database "${templateName}" is '${label}'`);
    return { dataDir, recordStoreUrl: LISTING_URL, how: { seeded: took }, seedNowMs: await newestPostgresMs() };
  } finally {
    await client.end();
  }
}

async function newestPostgresMs(): Promise<number> {
  const client = new pg.Client({ connectionString: LISTING_URL });
  await client.connect();
  try {
    const { rows } = await client.query<{ newest: string | null }>('select max(created_ms) as newest from tasks');
    return rows[0]?.newest == null ? Date.now() : Number(rows[0].newest);
  } finally {
    await client.end();
  }
}
