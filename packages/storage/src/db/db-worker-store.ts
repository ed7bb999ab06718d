import { z } from 'zod';
import type { WorkerHeartbeat, WorkerStore } from '../storage';
import type { RecordDatabase } from './open-database';
import type { WorkersTable } from './schema';
import { guarded } from './store-errors';

const stringList = z.array(z.string());

/** A JSON array column back as strings; a row some other writer spoiled reads as empty. */
function parseList(text: string): string[] {
  try {
    const parsed = stringList.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : [];
  } catch {
    return [];
  }
}

function toRow(beat: WorkerHeartbeat): WorkersTable {
  return {
    id: beat.id,
    host: beat.host,
    pid: beat.pid,
    version: beat.version,
    task_types: JSON.stringify(beat.taskTypes),
    concurrency: beat.concurrency,
    running_task_ids: JSON.stringify(beat.runningTaskIds),
    started_ms: beat.startedMs,
    beat_ms: beat.beatMs,
    beat_interval_ms: beat.beatIntervalMs,
  };
}

function fromRow(row: WorkersTable): WorkerHeartbeat {
  return {
    id: row.id,
    host: row.host,
    pid: Number(row.pid),
    version: row.version,
    taskTypes: parseList(row.task_types),
    concurrency: Number(row.concurrency),
    runningTaskIds: parseList(row.running_task_ids),
    startedMs: Number(row.started_ms),
    beatMs: Number(row.beat_ms),
    beatIntervalMs: Number(row.beat_interval_ms),
  };
}

/** Worker heartbeats in the record database: one row per worker process, upserted at every beat. */
export function createDbWorkerStore(database: RecordDatabase): WorkerStore {
  const { db } = database;
  return {
    beat(heartbeat) {
      const row = toRow(heartbeat);
      const { id: _id, ...changes } = row;
      return guarded(async () => {
        await db
          .insertInto('workers')
          .values(row)
          .onConflict((oc) => oc.column('id').doUpdateSet(changes))
          .execute();
      });
    },

    remove(id) {
      return guarded(async () => {
        await db.deleteFrom('workers').where('id', '=', id).execute();
      });
    },

    list(options = {}) {
      return guarded(async () => {
        let query = db.selectFrom('workers').selectAll();
        if (options.beatSinceMs !== undefined) query = query.where('beat_ms', '>=', options.beatSinceMs);
        const rows = await query.orderBy('beat_ms', 'desc').orderBy('id').execute();
        return rows.map(fromRow);
      });
    },

    sweep(beatBeforeMs) {
      return guarded(async () => {
        const result = await db.deleteFrom('workers').where('beat_ms', '<', beatBeforeMs).executeTakeFirst();
        return Number(result.numDeletedRows);
      });
    },
  };
}
