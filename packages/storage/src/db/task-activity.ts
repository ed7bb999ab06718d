import { TASK_STATUSES, TASK_TYPES, type TaskRecord, type TaskStatus, type TaskType } from '@offload/contracts';
import { parseRecord } from '../record-change';
import type { RecordDatabase } from './open-database';
import { guarded } from './store-errors';

/** A record as it was written, with the row's version and write time. */
export interface TaskChange {
  record: TaskRecord;
  version: number;
  updatedMs: number;
}

export interface ChangesRequest {
  /** Rows written at or after this time (ms since the epoch). */
  sinceMs: number;
  /** One tenant's tasks only (undefined: every tenant's). */
  tenant?: string;
  limit: number;
}

export interface HistoryRequest {
  /** Tasks finished at or after this time. */
  sinceMs: number;
  /** The width of one bucket of the counts. */
  bucketMs: number;
  tenant?: string;
  /** Newest finished tasks whose times are read for the percentiles. */
  sampleMax: number;
}

/** Finished tasks of one type and final status in one bucket (`bucket` = start of the bucket, ms). */
export interface FinishedCount {
  bucket: number;
  task_type: TaskType;
  status: TaskStatus;
  count: number;
}

/** One finished task's times: queued → first start (wait), last start → finish (run). */
export interface FinishedTimes {
  task_type: TaskType;
  finished_ms: number;
  wait_ms: number | undefined;
  run_ms: number | undefined;
}

export interface TaskHistory {
  counts: FinishedCount[];
  /** The newest `sampleMax` finished tasks of the window, newest first. */
  sample: FinishedTimes[];
}

export interface TaskActivity {
  /**
   * Rows written since `sinceMs`, oldest write first (ties by id), `limit` at most: the changes
   * feed of the console's live pages. One range scan of `tasks_by_updated`.
   */
  changes(request: ChangesRequest): Promise<TaskChange[]>;
  /** Finished tasks of a window: exact counts per bucket, type and status; times of the newest. */
  history(request: HistoryRequest): Promise<TaskHistory>;
}

const isTaskType = (value: string): value is TaskType => (TASK_TYPES as readonly string[]).includes(value);
const isTaskStatus = (value: string): value is TaskStatus => (TASK_STATUSES as readonly string[]).includes(value);

/** Milliseconds between two ISO times of a record, or undefined when either is missing or unreadable. */
function between(from: unknown, to: unknown): number | undefined {
  if (typeof from !== 'string' || typeof to !== 'string') return undefined;
  const ms = Date.parse(to) - Date.parse(from);
  return Number.isFinite(ms) && ms >= 0 ? ms : undefined;
}

/** When the task first started: its first run's start when the record keeps its runs, else its last start. */
function firstStart(record: Record<string, unknown>): unknown {
  const runs = record.runs;
  if (Array.isArray(runs) && runs.length > 0) {
    const first: unknown = runs[0];
    if (typeof first === 'object' && first !== null && 'started_at' in first) return first.started_at;
  }
  return record.started_at;
}

/**
 * The times of one finished record. Only these fields are read, without validating the whole
 * record: the history reads thousands of rows every few seconds.
 */
function finishedTimes(taskType: TaskType, finishedMs: number, text: string): FinishedTimes {
  const parsed: unknown = JSON.parse(text);
  const record = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
  return {
    task_type: taskType,
    finished_ms: finishedMs,
    wait_ms: between(record.run_at ?? record.created_at, firstStart(record)),
    run_ms: between(record.started_at, record.finished_at),
  };
}

export function createTaskActivity(database: RecordDatabase): TaskActivity {
  const { db } = database;
  return {
    changes(request) {
      return guarded(async () => {
        let query = db.selectFrom('tasks').select(['record', 'version', 'updated_ms']).where('updated_ms', '>=', request.sinceMs);
        if (request.tenant !== undefined) query = query.where('tenant', '=', request.tenant);
        const rows = await query.orderBy('updated_ms', 'asc').orderBy('id', 'asc').limit(request.limit).execute();
        return rows.map((row) => ({ record: parseRecord(row.record), version: Number(row.version), updatedMs: Number(row.updated_ms) }));
      });
    },

    history(request) {
      return guarded(async () => {
        const { bucketMs } = request;
        let counts = db
          .selectFrom('tasks')
          .select(({ fn, eb }) => [
            // Integer division on both databases (the columns are integers).
            eb(eb('finished_ms', '/', bucketMs), '*', bucketMs).as('bucket'),
            'task_type',
            'status',
            fn.countAll<number | string>().as('count'),
          ])
          .where('finished_ms', '>=', request.sinceMs);
        if (request.tenant !== undefined) counts = counts.where('tenant', '=', request.tenant);
        let sample = db
          .selectFrom('tasks')
          .select(['task_type', 'finished_ms', 'record'])
          .where('finished_ms', '>=', request.sinceMs)
          .orderBy('finished_ms', 'desc')
          .limit(request.sampleMax);
        if (request.tenant !== undefined) sample = sample.where('tenant', '=', request.tenant);
        const [countRows, sampleRows] = await Promise.all([counts.groupBy(['bucket', 'task_type', 'status']).execute(), sample.execute()]);
        return {
          counts: countRows.flatMap((row): FinishedCount[] =>
            isTaskType(row.task_type) && isTaskStatus(row.status) ? [{ bucket: Number(row.bucket), task_type: row.task_type, status: row.status, count: Number(row.count) }] : [],
          ),
          sample: sampleRows.flatMap((row): FinishedTimes[] =>
            isTaskType(row.task_type) && row.finished_ms !== null ? [finishedTimes(row.task_type, Number(row.finished_ms), row.record)] : [],
          ),
        };
      });
    },
  };
}
