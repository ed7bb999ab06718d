import { statfs } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import { TASK_TRANSITIONS } from '@offload/contracts';
import { migrationProvider } from './migrations';
import { withSqliteWriteLock } from './write-transaction';
import type { Database } from './schema';
import { isBusy } from './store-errors';

export type Dialect = 'sqlite' | 'postgres';

export interface RecordDatabase {
  readonly db: Kysely<Database>;
  readonly dialect: Dialect;
  /** Where it is, for messages: the SQLite file or the PostgreSQL URL without its password. */
  readonly location: string;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** `RECORD_STORE_URL`: a `postgres://` URL; undefined for SQLite in `dataDir`. */
  url?: string | undefined;
  /** `DATA_DIR`, where the SQLite file lives. */
  dataDir: string;
  /** How long opening waits for PostgreSQL. @defaultValue 10 000 */
  connectTimeoutMs?: number;
  /** Connections to PostgreSQL. @defaultValue 10 */
  poolSize?: number;
  /** Connection errors after start-up (PostgreSQL restarted, say), on idle and busy connections alike. */
  onError?: (err: Error) => void;
}

/** The SQLite file in DATA_DIR. */
export const SQLITE_FILE = 'offload.db';

/** The database cannot be opened where it was asked: its one-line message says what to do. */
export class RecordStoreUnreachableError extends Error {
  constructor(message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'RecordStoreUnreachableError';
  }
}

/**
 * File systems on which SQLite's locks are unsafe (statfs f_type magic numbers, Linux): two hosts
 * would both believe they hold the write lock and corrupt the file.
 */
const NETWORK_FILE_SYSTEMS: ReadonlyMap<number, string> = new Map([
  [0x6969, 'NFS'],
  [0xff534d42, 'CIFS'],
  [0xfe534d42, 'SMB2'],
  [0x517b, 'SMB'],
  [0x01021997, '9P'],
  [0x00c36400, 'CephFS'],
  [0x5346414f, 'AFS'],
  [0x0bd00bd0, 'Lustre'],
  [0x47504653, 'GPFS'],
  [0x73757245, 'Coda'],
]);

export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(an unparsable URL)';
  }
}

/**
 * Opens the record database, applies the migrations it lacks (safe when several processes start at
 * once: PostgreSQL takes an advisory lock, SQLite's writers queue on its file lock) and brings the
 * allowed transitions up to date.
 */
export async function openRecordDatabase(options: OpenDatabaseOptions): Promise<RecordDatabase> {
  const database = options.url === undefined ? await openSqlite(options.dataDir) : await openPostgres(options);
  try {
    await startUp(database);
  } catch (err) {
    await database.close();
    throw err;
  }
  return database;
}

/** How long a starting process keeps waiting for the others starting on the same SQLite file. */
const SQLITE_START_UP_DEADLINE_MS = 120_000;

/**
 * WAL mode, migrations and transitions. PostgreSQL: the migrator takes an advisory lock itself.
 * SQLite: every step needs the file's write lock, and an API and its workers starting together on
 * a new DATA_DIR take turns for it. Switching a new file to WAL does not wait (busy_timeout does
 * not apply: it fails at once with "database is locked" while another process holds the file), and
 * on a loaded host a holder can outlast busy_timeout; so a step that finds the file busy is tried
 * again, from the first step (each is idempotent), until the deadline.
 */
async function startUp(database: RecordDatabase): Promise<void> {
  const deadline = Date.now() + SQLITE_START_UP_DEADLINE_MS;
  for (;;) {
    try {
      if (database.dialect === 'postgres') {
        await migrate(database.db);
      } else {
        await sql`pragma journal_mode = wal`.execute(database.db);
        // Kysely's migrator runs SQLite's DDL outside a transaction, so two processes starting on
        // a new file would both create the tables ("table tasks already exists"). The write lock
        // held over the whole run makes them take turns; the second finds the work done.
        await withSqliteWriteLock(database.db, migrate);
      }
      await syncTransitions(database.db);
      return;
    } catch (error) {
      if (!(database.dialect === 'sqlite' && isBusy(error) && Date.now() < deadline)) {
        throw new RecordStoreUnreachableError(`starting the record database ${database.location} failed: ${error instanceof Error ? error.message : String(error)}`, error);
      }
      await sleep(20 + Math.random() * 80);
    }
  }
}

async function openSqlite(dataDir: string): Promise<RecordDatabase> {
  const path = join(resolve(dataDir), SQLITE_FILE);
  const fsType = NETWORK_FILE_SYSTEMS.get(Number((await statfs(resolve(dataDir))).type));
  if (fsType !== undefined) {
    throw new RecordStoreUnreachableError(
      `DATA_DIR (${resolve(dataDir)}) is on ${fsType}, a network file system where SQLite's locks are unsafe: set RECORD_STORE_URL to a PostgreSQL database (postgres://…) for a fleet on several hosts`,
    );
  }
  let sqlite: BetterSqlite3.Database;
  try {
    sqlite = new BetterSqlite3(path);
  } catch (err) {
    throw new RecordStoreUnreachableError(`cannot open the record database ${path}: ${err instanceof Error ? err.message : String(err)}`, err);
  }
  // A writer waits up to 5 s for another process's write lock instead of failing at once. FULL: a
  // commit is on disk when it returns (the worker acks a task only after that). WAL (readers never
  // block the writer, so one API and its workers share the file) is set in startUp: switching a
  // new file to it needs the write lock.
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('synchronous = FULL');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  return {
    db,
    dialect: 'sqlite',
    location: path,
    close: () => db.destroy(),
  };
}

/** BIGINT (int8, OID 20) as a JavaScript number: every value here is a time in ms or a count. */
const INT8_OID = 20;

async function openPostgres(options: OpenDatabaseOptions): Promise<RecordDatabase> {
  const url = options.url ?? '';
  const location = redactUrl(url);
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === INT8_OID ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  // pg hands a checked-out client's errors to its user (the pool listens to idle clients only) and
  // Kysely adds no listener, so a server that ends a session while a transaction holds it between
  // two statements (pg_ctl stop, a failover, pg_terminate_backend) emitted 'error' with no listener
  // and crashed the process (brianc/node-postgres#2439). Each client gets its own listener for
  // life: the statement in flight still fails through its promise, and the pool drops the dead
  // client when it is released.
  pool.on('connect', (client) => client.on('error', (err) => options.onError?.(err)));
  // An idle client's error reaches the pool too; the client's own listener has reported it.
  pool.on('error', () => undefined);
  try {
    const client = await pool.connect();
    client.release();
  } catch (err) {
    await pool.end().catch(() => undefined);
    const reason = (err instanceof Error ? err.message : String(err)).replace(/\.$/, '');
    throw new RecordStoreUnreachableError(
      `cannot reach the record database at ${location} (RECORD_STORE_URL): ${reason}. Start PostgreSQL, or unset RECORD_STORE_URL to keep records in SQLite in DATA_DIR.`,
      err,
    );
  }
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return { db, dialect: 'postgres', location, close: () => db.destroy() };
}

async function migrate(db: Kysely<Database>): Promise<void> {
  const { error } = await new Migrator({ db, provider: migrationProvider }).migrateToLatest();
  if (error !== undefined) throw error;
}

/** Adds the moves TASK_TRANSITIONS allows that the table lacks (new statuses of a new release). */
async function syncTransitions(db: Kysely<Database>): Promise<void> {
  const moves = Object.entries(TASK_TRANSITIONS).flatMap(([from, tos]) => tos.map((to) => ({ from_status: from, to_status: to })));
  await db
    .insertInto('task_transitions')
    .values(moves)
    .onConflict((oc) => oc.columns(['from_status', 'to_status']).doNothing())
    .execute();
}
