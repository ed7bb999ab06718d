import Sqlite from 'better-sqlite3';
import pg from 'pg';
import { taskRecordSchema, type TaskRecord, type TaskStatus, type TaskType } from '@offload/contracts';

/** A month of a busy deployment, as row 6 lists it. */
export interface SeedOptions {
  records: number;
  /** Creation times spread over this many days up to `nowMs`. */
  days: number;
  nowMs: number;
  /** The same seed gives the same records on both backends. */
  seed: number;
}

export interface SeedReport {
  seconds: number;
  /** Records per `task_type/status`. */
  counts: Record<string, number>;
}

/** mulberry32: a small seeded generator, so both backends get the same records. */
function generator(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(random: () => number, weighted: readonly (readonly [T, number])[]): T {
  let r = random() * weighted.reduce((s, [, w]) => s + w, 0);
  for (const [value, weight] of weighted) {
    r -= weight;
    if (r < 0) return value;
  }
  return (weighted.at(-1) as readonly [T, number])[0];
}

/** Version 4 UUIDs from the seeded generator. */
function uuid(random: () => number): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(random() * 16).toString(16));
  hex[12] = '4';
  hex[16] = ((Math.floor(random() * 4) & 0x3) | 0x8).toString(16);
  const h = hex.join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Most work is watermarks; thumbnails come in bursts; analysis is the rare, slow kind. */
const TYPES: readonly (readonly [TaskType, number])[] = [
  ['watermark', 0.6],
  ['thumbnail', 0.28],
  ['analysis', 0.12],
];
/** Seconds a finished task of each type ran: [min, max]. */
const RUN_S: Record<TaskType, [number, number]> = { watermark: [0.05, 1.5], thumbnail: [0.1, 3], analysis: [0.5, 90] };
/** Only the last hours hold tasks still on their way; anything older finished one way or another. */
const ACTIVE_WINDOW_MS = 2 * 60 * 60 * 1000;
const ACTIVE: readonly (readonly [TaskStatus, number])[] = [
  ['succeeded', 0.55],
  ['queued', 0.25],
  ['processing', 0.12],
  ['retrying', 0.03],
  ['failed', 0.05],
];
const FINISHED: readonly (readonly [TaskStatus, number])[] = [
  ['succeeded', 0.95],
  ['failed', 0.05],
];
const FAILURES: readonly (readonly [NonNullable<TaskRecord['error']>, number])[] = [
  [{ code: 'corrupt_image', message: 'upload up_… is truncated or corrupt: the image data ends early' }, 0.4],
  [{ code: 'unsupported_image', message: 'upload up_… is not an image format offload reads (it looks like text/plain)' }, 0.2],
  [{ code: 'invalid_dataset', message: 'dataset up_… could not be parsed: row 1 204 has 9 fields, the header has 7' }, 0.2],
  [{ code: 'attempts_exhausted', message: 'the task failed on all 5 allowed attempts; the last error: the handler failed' }, 0.15],
  [{ code: 'task_timeout', message: 'the task exceeded its time limit of 600 s' }, 0.05],
];
const CONTENT_TYPE: Record<TaskType, string> = { watermark: 'image/jpeg', thumbnail: 'application/json', analysis: 'application/json' };

const iso = (ms: number) => new Date(ms).toISOString();

/** The record of one task created at `createdMs`, as offload's moves leave it. */
function record(random: () => number, createdMs: number, nowMs: number): { record: TaskRecord; version: number } {
  const id = uuid(random);
  const task_type = pick(random, TYPES);
  const status = pick(random, nowMs - createdMs < ACTIVE_WINDOW_MS ? ACTIVE : FINISHED);
  const base = { id, task_type, created_at: iso(createdMs) };
  if (status === 'queued') return { record: { ...base, status, attempts: 0, updated_at: base.created_at }, version: 1 };
  const startedMs = createdMs + 20 + random() * 2_000;
  const [min, max] = RUN_S[task_type];
  const endMs = Math.min(nowMs, startedMs + (min + random() * random() * (max - min)) * 1000);
  const started = { started_at: iso(startedMs) };
  if (status === 'processing') return { record: { ...base, ...started, status, attempts: 1, progress: Math.round(random() * 100) / 100, updated_at: iso(endMs) }, version: 2 };
  if (status === 'retrying') {
    return {
      record: { ...base, ...started, status, attempts: 1, updated_at: iso(endMs), next_attempt_at: iso(endMs + 5_000), error: { code: 'handler_failed', message: 'the handler failed: ECONNRESET' } },
      version: 3,
    };
  }
  const finished = { ...started, finished_at: iso(endMs), updated_at: iso(endMs) };
  if (status === 'failed') return { record: { ...base, ...finished, status, attempts: 1 + Math.floor(random() * 2), error: pick(random, FAILURES) }, version: 3 };
  const result =
    task_type === 'thumbnail'
      ? {
          output_key: `out_${id}.json`,
          content_type: CONTENT_TYPE[task_type],
          outputs: [160, 320, 640].map((w) => ({ name: `w${w}`, output_key: `out_${id}.w${w}.webp`, content_type: 'image/webp', bytes: 3_000 + Math.floor(random() * w * 60) })),
        }
      : { output_key: `out_${id}.${task_type === 'watermark' ? 'jpg' : 'json'}`, content_type: CONTENT_TYPE[task_type] };
  return { record: { ...base, ...finished, status, attempts: 1, progress: 1, result }, version: 3 };
}

/** The upload a task's content names: every image task one; half the analyses a dataset (the rest carry their rows inline). */
function upload(random: () => number, taskType: TaskType, createdMs: number): UploadRow | undefined {
  if (taskType === 'analysis' && random() < 0.5) return undefined;
  const key = `up_${Array.from({ length: 32 }, () => Math.floor(random() * 16).toString(16)).join('')}`;
  // Images come in the request that submits them; a dataset is uploaded first, up to a minute before.
  const before = taskType === 'analysis' ? 500 + random() * 60_000 : 5 + random() * 400;
  const size = taskType === 'analysis' ? 50_000 + Math.floor(random() * random() * 200_000_000) : 150_000 + Math.floor(random() * 4_000_000);
  return [key, taskType === 'analysis' ? 'text/csv' : 'image/jpeg', size, Math.max(0, Math.floor(createdMs - before))];
}

/** The columns of the tables seeded (packages/storage/src/db/migrations/), in insert order. */
const TABLES = {
  tasks: ['id', 'task_type', 'tenant', 'status', 'created_ms', 'updated_ms', 'finished_ms', 'version', 'record'],
  uploads: ['key', 'content_type', 'size', 'created_ms'],
  task_uploads: ['task_id', 'upload_key'],
} as const;
type Table = keyof typeof TABLES;
/** Their PostgreSQL types, for the unnest arrays. */
const PG_TYPES: Record<Table, readonly string[]> = {
  tasks: ['text', 'text', 'text', 'text', 'bigint', 'bigint', 'bigint', 'integer', 'text'],
  uploads: ['text', 'text', 'bigint', 'bigint'],
  task_uploads: ['text', 'text'],
};
type TaskRow = [string, string, string, string, number, number, number | null, number, string];
type UploadRow = [string, string, number, number];
type LinkRow = [string, string];
interface Rows {
  tasks: TaskRow[];
  uploads: UploadRow[];
  task_uploads: LinkRow[];
}
const TABLE_NAMES = Object.keys(TABLES) as Table[];

/** Rows per transaction (SQLite) or per statement (PostgreSQL). */
const CHUNK = 10_000;

/**
 * Fills the tasks table of a migrated database with `records` finished and running tasks created
 * over `days`, oldest first (as they arrive), writing the columns the store's own create writes
 * (db-record-store.ts; the tenant is its default) and records that pass the record schema, as the
 * store's reads require; and, as the API leaves them, a row in `uploads` for each upload a task
 * names (every image task, half the analyses) and its link in `task_uploads` (migration 0003), so
 * the retention sweep finds what it would in a deployment. Blob files are not written here: the
 * sweep's fixture (bench/task-listing.ts) writes those it needs. Through the driver, in large
 * chunks: the store's group commit would take many minutes for a million, and this is a fixture,
 * not a measurement. `location` is the SQLite file or the postgres:// URL.
 */
export async function seedRecords(dialect: 'sqlite' | 'postgres', location: string, options: SeedOptions): Promise<SeedReport> {
  const random = generator(options.seed);
  const started = performance.now();
  const spanMs = options.days * 24 * 60 * 60 * 1000;
  const counts: Record<string, number> = {};
  let made = 0;
  const nextRows = (n: number): Rows => {
    const rows: Rows = { tasks: [], uploads: [], task_uploads: [] };
    for (let k = 0; k < n; k++) {
      // Evenly spread, oldest first, with jitter; ids are random, as in a deployment.
      const createdMs = Math.floor(options.nowMs - spanMs + ((made + random()) * spanMs) / options.records);
      made += 1;
      const { record: r, version } = record(random, createdMs, options.nowMs);
      if (made % 1_000 === 1) taskRecordSchema.parse(r);
      counts[`${r.task_type}/${r.status}`] = (counts[`${r.task_type}/${r.status}`] ?? 0) + 1;
      rows.tasks.push([r.id, r.task_type, 'default', r.status, createdMs, Date.parse(r.updated_at), r.finished_at === undefined ? null : Date.parse(r.finished_at), version, JSON.stringify(r)]);
      const named = upload(random, r.task_type, createdMs);
      if (named !== undefined) {
        rows.uploads.push(named);
        rows.task_uploads.push([r.id, named[0]]);
      }
    }
    return rows;
  };
  if (dialect === 'sqlite') {
    const db = new Sqlite(location);
    try {
      // This connection only: a large page cache for the random-order primary keys, and no fsync
      // per commit (a fixture that is lost in a crash is simply made again).
      db.pragma('cache_size = -262144');
      db.pragma('synchronous = OFF');
      // The secondary indexes, as the migrations made them, are dropped for the load and built
      // again after it from their own definitions: one sort each instead of a million random inserts.
      const indexes = db
        .prepare<[], { name: string; sql: string }>(`select name, sql from sqlite_master where type = 'index' and tbl_name in (${TABLE_NAMES.map((t) => `'${t}'`).join(', ')}) and sql is not null`)
        .all();
      for (const index of indexes) db.exec(`drop index "${index.name}"`);
      const inserts = Object.fromEntries(TABLE_NAMES.map((t) => [t, db.prepare(`insert into ${t} (${TABLES[t].join(', ')}) values (${TABLES[t].map(() => '?').join(', ')})`)]));
      const chunk = db.transaction((rows: Rows) => {
        for (const table of TABLE_NAMES) {
          const insert = inserts[table] as Sqlite.Statement;
          for (const row of rows[table]) insert.run(...row);
        }
      });
      while (made < options.records) chunk(nextRows(Math.min(CHUNK, options.records - made)));
      db.transaction(() => {
        for (const index of indexes) db.exec(index.sql);
      })();
      db.pragma('wal_checkpoint(TRUNCATE)');
    } finally {
      db.close();
    }
  } else {
    const client = new pg.Client({ connectionString: location });
    await client.connect();
    try {
      await client.query('set synchronous_commit = off');
      await client.query(`set maintenance_work_mem = '256MB'`);
      // As for SQLite: the indexes and primary keys go for the load and come back from their own
      // definitions (pg_indexes, pg_get_constraintdef) after it.
      const constraints = (
        await client.query<{ table: string; name: string; def: string }>(
          `select conrelid::regclass::text as table, conname as name, pg_get_constraintdef(oid) as def from pg_constraint where conrelid = any($1::text[]::regclass[]) and contype = 'p'`,
          [TABLE_NAMES],
        )
      ).rows;
      const indexes = (
        await client.query<{ name: string; def: string }>(
          `select indexname as name, indexdef as def from pg_indexes where schemaname = current_schema() and tablename = any($1::text[]) and indexname not in (select conname from pg_constraint where conrelid = any($1::text[]::regclass[]))`,
          [TABLE_NAMES],
        )
      ).rows;
      for (const index of indexes) await client.query(`drop index "${index.name}"`);
      for (const constraint of constraints) await client.query(`alter table ${constraint.table} drop constraint "${constraint.name}"`);
      const inserts = Object.fromEntries(
        TABLE_NAMES.map((t) => [t, `insert into ${t} (${TABLES[t].join(', ')}) select * from unnest(${PG_TYPES[t].map((type, i) => `$${i + 1}::${type}[]`).join(', ')})`]),
      ) as Record<Table, string>;
      while (made < options.records) {
        const rows = nextRows(Math.min(CHUNK, options.records - made));
        for (const table of TABLE_NAMES) {
          const these: readonly (readonly unknown[])[] = rows[table];
          if (these.length > 0) await client.query(inserts[table], TABLES[table].map((_, i) => these.map((row) => row[i])));
        }
      }
      for (const constraint of constraints) await client.query(`alter table ${constraint.table} add constraint "${constraint.name}" ${constraint.def}`);
      for (const index of indexes) await client.query(index.def);
      // This server may run without autovacuum: give the planner the statistics it would have.
      for (const table of TABLE_NAMES) await client.query(`vacuum analyze ${table}`);
    } finally {
      await client.end();
    }
  }
  return { seconds: (performance.now() - started) / 1000, counts };
}
