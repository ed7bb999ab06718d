import type { WorkerView } from '@offload/contracts';
import type { WorkerHeartbeat } from '@offload/storage';

/** A worker silent for more than this many of its own beat intervals is lost. */
export const LOST_AFTER_BEATS = 3;

/** Lost workers stay listed this long after their last beat; the API's sweep deletes them after. */
export const LOST_WORKERS_KEPT_MS = 24 * 60 * 60 * 1000;

/** A heartbeat row as GET /v1/workers shows it, judged against `nowMs` with the row's own interval. */
export function workerView(row: WorkerHeartbeat, nowMs: number): WorkerView {
  return {
    id: row.id,
    host: row.host,
    pid: row.pid,
    version: row.version,
    task_types: [...row.taskTypes],
    concurrency: row.concurrency,
    running_task_ids: [...row.runningTaskIds],
    started_at: new Date(row.startedMs).toISOString(),
    last_beat_at: new Date(row.beatMs).toISOString(),
    beat_interval_ms: row.beatIntervalMs,
    status: nowMs - row.beatMs > LOST_AFTER_BEATS * row.beatIntervalMs ? 'lost' : 'live',
  };
}
