import { CALLBACK_ROUTING_KEY, encodeCallbackDelivery, isTerminalStatus, taskCancelRequested, type TaskRecord, type TaskStatus } from '@offload/contracts';
import type { ListRequest, Storage } from '@offload/storage';
import type { Logger, Metrics } from '@offload/telemetry';
import { HttpProblem } from './http-errors';

export interface CancelDeps {
  storage: Pick<Storage, 'records' | 'schedule' | 'queries'>;
  /** Wakes the scheduler for a message due now (a cancelled task's webhook). */
  onScheduled?: (dueMs: number) => void;
  /** Counts the waiting tasks a cancel ends (offload_tasks_cancelled_total); a running one is its worker's to count. */
  metrics?: Pick<Metrics, 'tasksCancelled'>;
}

/** The statuses a cancel can still act on. */
const LIVE: readonly TaskStatus[] = ['scheduled', 'queued', 'processing', 'retrying'];

/**
 * Cancels one task. A waiting one ends `cancelled` now (its scheduled message, if any, is
 * forgotten; a message already queued is dropped unrun by the worker that gets it); a running one
 * is marked, and its worker stops the run and ends it `cancelled`. Repeating a cancel answers with
 * the record; a task that succeeded or failed is `409 task_finished`. Returns the record and
 * whether this call moved it.
 */
export async function cancelTask(deps: CancelDeps, id: string, log: Logger): Promise<{ record: TaskRecord; moved: boolean }> {
  const outcome = await deps.storage.records.update(id, (current) => taskCancelRequested(current, new Date()));
  if (outcome.record === undefined) throw new HttpProblem('not_found', `no task with id ${id}`);
  const record = outcome.record;
  if (!outcome.applied) {
    if (record.status === 'succeeded' || record.status === 'failed') {
      throw new HttpProblem('task_finished', `task ${id} already ${record.status}; only a task that has not finished can be cancelled`);
    }
    return { record, moved: false };
  }
  if (record.status === 'cancelled') {
    await forgetSchedule(deps, record);
    deps.metrics?.tasksCancelled.inc({ task_type: record.task_type });
  }
  log.info({ task_id: id, status: record.status }, record.status === 'cancelled' ? 'task cancelled' : 'task cancel requested: its worker stops the run');
  return { record, moved: true };
}

/**
 * A cancelled task's scheduled message (if it had one) is forgotten. With a webhook, its
 * announcement takes that place in the schedule, due now: the scheduler publishes it at once, and
 * it stays in the record database until the broker confirmed it, so no API crash or broker outage
 * loses it.
 */
async function forgetSchedule(deps: CancelDeps, record: TaskRecord): Promise<void> {
  if (record.callback?.state !== 'pending') {
    await deps.storage.schedule.remove([record.id]);
    return;
  }
  const now = Date.now();
  await deps.storage.schedule.replace({ taskId: record.id, dueMs: now, routingKey: CALLBACK_ROUTING_KEY, body: encodeCallbackDelivery(record.id), headers: {} });
  deps.onScheduled?.(now);
}

/**
 * Cancels the caller's tasks that match `filter`, at most `max` of them (a page at a time, newest
 * first). Only live tasks are looked at, so a repeat cancels nothing twice; `more` says the bound
 * was reached and matching tasks may remain.
 */
export async function cancelMatching(deps: CancelDeps, filter: Omit<ListRequest, 'limit' | 'cursor'>, max: number, log: Logger): Promise<{ cancelled: number; more: boolean }> {
  const statuses = (filter.statuses ?? LIVE).filter((s) => LIVE.includes(s));
  if (statuses.length === 0) return { cancelled: 0, more: false };
  let cancelled = 0;
  let examined = 0;
  let cursor: string | undefined;
  do {
    const page = await deps.storage.queries.list({ ...filter, statuses, limit: Math.min(200, max - examined), ...(cursor === undefined ? {} : { cursor }) });
    for (const task of page.tasks) {
      examined++;
      if (isTerminalStatus(task.status)) continue;
      const { moved } = await cancelTask(deps, task.id, log).catch((err: unknown) => {
        // Finished between the listing and the cancel: nothing to do.
        if (err instanceof HttpProblem && err.code === 'task_finished') return { moved: false };
        throw err;
      });
      if (moved) cancelled++;
    }
    cursor = page.nextCursor;
  } while (cursor !== undefined && examined < max);
  return { cancelled, more: cursor !== undefined };
}
