import { execFileSync } from 'node:child_process';
import { readdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { TASK_STATUSES, isTerminalStatus } from '@offload/contracts';
import type { DbStorage } from '@offload/storage';

/** Each blob file's size. Real uploads and outputs are larger (hundreds of KB); see SweepFixture. */
export const BLOB_BYTES = 4096;
/** Files written at once. */
const WRITE_CONCURRENCY = 64;

const TERMINAL = TASK_STATUSES.filter(isTerminalStatus);

export interface SweepFixture {
  /** The sweep's clock: the seed's "now". */
  nowMs: number;
  /** RETENTION_S in ms that puts exactly `expired` finished records past retention at `nowMs`. */
  retentionMs: number;
  /** Finished records past retention: what the sweep must delete. */
  expired: number;
  /** Their output blobs (`out_<id>.…`, from each record's result), written as files. */
  outputs: number;
  /** The uploads only they name (rows seeded with the records), written as files. */
  uploads: number;
  /** Seconds spent writing the blob files and flushing them to disk. */
  writeSeconds: number;
}

/** The outputs a record's result names that are its own: `out_<id>.…` (as the sweep's outputKeys). */
function outputKeys(id: string, recordText: string): string[] {
  const record = JSON.parse(recordText) as { result?: { output_key?: unknown; outputs?: { output_key?: unknown }[] } };
  const named = [record.result?.output_key, ...(record.result?.outputs ?? []).map((o) => o.output_key)];
  return [...new Set(named.filter((key): key is string => typeof key === 'string' && key.startsWith(`out_${id}.`)))];
}

/**
 * Readies a copy of row 6's seeded database for a retention sweep of `target` records: the
 * `target` finished records that finished first are the ones past retention (the retention is
 * chosen so), and the blob files their records and upload rows name are written into the blob
 * store's directory, as a deployment would have them after months. The records, their upload rows
 * and links are the seed's own (bench/lib/seed-records.ts). The files are flushed to disk (`sync`)
 * before the sweep is timed.
 */
export async function prepareSweep(storage: DbStorage, dataDir: string, target: number, nowMs: number): Promise<SweepFixture> {
  const { db } = storage.database;
  const nth = await db
    .selectFrom('tasks')
    .select('finished_ms')
    .where('finished_ms', 'is not', null)
    .where('status', 'in', TERMINAL)
    .orderBy('finished_ms')
    .limit(1)
    .offset(target - 1)
    .executeTakeFirst();
  if (nth?.finished_ms == null) throw new Error(`the seeded database has fewer than ${target} finished records`);
  const cutoff = Number(nth.finished_ms) + 1;
  const rows = await db
    .selectFrom('tasks')
    .leftJoin('task_uploads', 'task_uploads.task_id', 'tasks.id')
    .select(['tasks.id', 'tasks.record', 'task_uploads.upload_key'])
    .where('tasks.finished_ms', '<', cutoff)
    .where('tasks.status', 'in', TERMINAL)
    .execute();
  const expired = new Set(rows.map((r) => r.id)).size;
  const uploads = [...new Set(rows.flatMap((r) => (r.upload_key == null ? [] : [r.upload_key])))];
  const outputs = [...new Set(rows.flatMap((r) => outputKeys(r.id, r.record)))];
  const started = performance.now();
  const blobs = join(resolve(dataDir), 'blobs');
  const content = Buffer.alloc(BLOB_BYTES, 0x5a);
  const keys = [...uploads, ...outputs];
  let next = 0;
  await Promise.all(
    Array.from({ length: WRITE_CONCURRENCY }, async () => {
      while (next < keys.length) {
        const key = keys[next++] as string;
        await writeFile(join(blobs, key), content);
      }
    }),
  );
  execFileSync('sync');
  return { nowMs, retentionMs: nowMs - cutoff, expired, outputs: outputs.length, uploads: uploads.length, writeSeconds: (performance.now() - started) / 1000 };
}

/** Blob files left in the store's directory. */
export async function blobFilesLeft(dataDir: string): Promise<number> {
  return (await readdir(join(resolve(dataDir), 'blobs'))).filter((name) => !name.startsWith('.')).length;
}
