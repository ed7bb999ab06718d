import type { TaskRecord, TaskStatus } from './task-record';
import type { TaskType } from './task-types/index';

/*
 * The bodies of the API's read routes that are not a task record: GET /v1/stats, GET
 * /v1/stats/history, GET /v1/workers, and what GET /v1/events sends. The API builds them and the
 * console (and any client in TypeScript) reads them: one definition for both sides.
 */

/** Where queue depths came from: the management API (ready and unacked), AMQP (ready only), nowhere. */
export type QueueDepthSource = 'management_api' | 'amqp' | 'unavailable';

export interface QueueStats {
  queue: string;
  ready: number | null;
  /** null when the numbers came from AMQP, which cannot count them. */
  unacked: number | null;
}

/** GET /v1/stats. */
export interface StatsBody {
  /** Every registered task type, every status, zeros included. */
  tasks: Record<TaskType, Record<TaskStatus, number>>;
  queues: {
    source: QueueDepthSource;
    /** Each type's work queue, and in `high` its high-priority queue. */
    work: Record<TaskType, QueueStats & { high: QueueStats }>;
    /** `depth`: messages in it, ready and unacked (ready only from AMQP). */
    dead_letter: QueueStats & { depth: number | null };
  };
}

/** The finished tasks of one bucket of time, of one task type. */
export interface HistoryBucket {
  /** The bucket's start (RFC 3339). */
  at: string;
  succeeded: number;
  failed: number;
  cancelled: number;
  /** Percentiles in ms over the bucket's sampled tasks; null when it has none. */
  wait_p50_ms: number | null;
  wait_p95_ms: number | null;
  run_p50_ms: number | null;
  run_p95_ms: number | null;
}

/** GET /v1/stats/history. */
export interface HistoryBody {
  since: string;
  bucket_ms: number;
  /** Finished tasks whose times the percentiles are computed from (the newest of the window). */
  sampled: number;
  /** Whether the window held more finished tasks than were sampled (counts stay exact). */
  sample_partial: boolean;
  /** Per task type, one bucket per `bucket_ms` from `since`, oldest first, empty ones included. */
  types: Record<TaskType, { buckets: HistoryBucket[] }>;
}

/** One worker process as GET /v1/workers lists it. */
export interface WorkerView {
  id: string;
  host: string;
  pid: number;
  version: string;
  task_types: string[];
  concurrency: number;
  running_task_ids: string[];
  started_at: string;
  last_beat_at: string;
  beat_interval_ms: number;
  /** `lost`: no beat for more than three of its intervals (it crashed, hangs, or lost the database). */
  status: 'live' | 'lost';
}

/** The events of GET /v1/events, by name, with their data. */
export interface ConsoleEvents {
  tasks: { tasks: TaskRecord[] };
  /** More changed than one read carries, or the client fell behind: read the state again. */
  resync: Record<string, never>;
  stats: StatsBody & { history: HistoryBody };
  workers: { workers: WorkerView[] };
  unavailable: { detail: string };
}
