import { DEFAULT_TENANT } from './access';
import {
  MAX_TASK_RUNS,
  isTerminalStatus,
  type CallbackAttempt,
  type TaskError,
  type TaskPriority,
  type TaskRecord,
  type TaskResultRef,
  type TaskRun,
} from './task-record';

/**
 * The moves of a task record, as pure functions: the current record (or, for `taskCreated`, the
 * task), the time `now` and the move's own arguments in; the new record out, or `undefined` when
 * the move does not apply to that record. No I/O and no clock inside, so the API, the worker and
 * the CLIs make the same move, and a store can apply one as a conditional update. Each move
 * applies only from statuses `TASK_TRANSITIONS` allows; the store refuses any other move anyway.
 */

/** The time of a move: a Date or an ISO 8601 string. */
export type MoveTime = Date | string;

/** The task a record is created for: an envelope or an id and type (`created_at` defaults to `now`). */
export interface NewTask {
  id: TaskRecord['id'];
  task_type: TaskRecord['task_type'];
  created_at?: string;
  /** @defaultValue the default tenant */
  tenant?: string;
  /** Due later: the record starts `scheduled`. */
  run_at?: string;
  /** @defaultValue normal (not written) */
  priority?: TaskPriority;
  /** Where the record is POSTed when the task ends. */
  callback_url?: string;
}

/** What a failed re-drive puts back: the failure the record had before the re-drive. */
export type RedrivePrevious = Partial<Pick<TaskRecord, 'attempts' | 'finished_at' | 'error' | 'progress'>>;

const NOT_ACCEPTED: TaskError = { code: 'not_accepted', message: 'the broker did not confirm the task in time; it was not accepted' };

const iso = (at: MoveTime): string => (typeof at === 'string' ? new Date(at).toISOString() : at.toISOString());

const isFinal = (record: TaskRecord): boolean => isTerminalStatus(record.status);

/** How a run ends: what the move that closes it knows. */
type RunEnd = Pick<TaskRun, 'outcome' | 'error' | 'retry_delay_ms'> & { outcome: NonNullable<TaskRun['outcome']> };

/**
 * `runs` with the open run (the last, if it has not ended) closed at `at`; `runs` as they were
 * when none is open, as for a dead letter the broker made while the task was queued.
 */
function closeRun(runs: TaskRecord['runs'], at: string, end: RunEnd): TaskRecord['runs'] {
  const last = runs?.at(-1);
  if (runs === undefined || last === undefined || last.ended_at !== undefined) return runs;
  return [...runs.slice(0, -1), { ...last, ended_at: at, ...end }];
}

/** The record with its open run, if any, closed: the one place a run ends. */
function withRunClosed(record: TaskRecord, at: string, end: RunEnd): TaskRecord {
  const runs = closeRun(record.runs, at, end);
  return runs === record.runs ? record : { ...record, runs };
}

/** `runs` with `run` appended, keeping the newest MAX_TASK_RUNS, and `runs_dropped` counting the others. */
function appendRun(runs: TaskRecord['runs'], runsDropped: TaskRecord['runs_dropped'], run: TaskRun): Pick<TaskRecord, 'runs' | 'runs_dropped'> {
  const all = [...(runs ?? []), run];
  const over = Math.max(0, all.length - MAX_TASK_RUNS);
  const dropped = (runsDropped ?? 0) + over;
  return { runs: all.slice(over), ...(dropped > 0 ? { runs_dropped: dropped } : {}) };
}

/** A new record, no attempts yet: `scheduled` with `run_at`, else `queued`. */
export function taskCreated(task: NewTask, now: MoveTime): TaskRecord {
  const at = iso(now);
  return {
    id: task.id,
    task_type: task.task_type,
    tenant: task.tenant ?? DEFAULT_TENANT,
    status: task.run_at === undefined ? 'queued' : 'scheduled',
    attempts: 0,
    ...(task.priority === 'high' ? { priority: 'high' as const } : {}),
    created_at: task.created_at ?? at,
    updated_at: at,
    ...(task.run_at === undefined ? {} : { run_at: iso(task.run_at) }),
    ...(task.callback_url === undefined ? {} : { callback: { url: task.callback_url, state: 'pending' as const, attempts: [] } }),
  };
}

/** scheduled → queued: the task was due and its message is published. */
export function taskDue(record: TaskRecord, now: MoveTime): TaskRecord | undefined {
  if (record.status !== 'scheduled') return undefined;
  return { ...record, status: 'queued', updated_at: iso(now) };
}

/**
 * A client cancels. A waiting task (scheduled, queued, retrying) ends `cancelled` at once and never
 * runs; a running one stays `processing` with `cancel_requested_at` until its worker stops the run
 * (taskRunCancelled). A final record, or a run already asked to stop, is left alone.
 */
export function taskCancelRequested(record: TaskRecord, now: MoveTime): TaskRecord | undefined {
  if (isFinal(record)) return undefined;
  const at = iso(now);
  if (record.status === 'processing') return record.cancel_requested_at === undefined ? { ...record, cancel_requested_at: at, updated_at: at } : undefined;
  const { next_attempt_at: _due, ...rest } = record;
  return { ...rest, status: 'cancelled', updated_at: at, finished_at: at };
}

/**
 * processing → cancelled: the run of a task a client cancelled has stopped (or ended: whatever it
 * produced is not its result). Only a record with `cancel_requested_at`.
 */
export function taskRunCancelled(record: TaskRecord, now: MoveTime): TaskRecord | undefined {
  if (record.status !== 'processing' || record.cancel_requested_at === undefined) return undefined;
  const { next_attempt_at: _due, ...rest } = record;
  const at = iso(now);
  return withRunClosed({ ...rest, status: 'cancelled', updated_at: at, finished_at: at }, at, { outcome: 'cancelled' });
}

/** The most webhook attempts a record keeps (the oldest go first). */
const MAX_CALLBACK_ATTEMPTS = 100;

/**
 * A finished task's webhook attempt, and the webhook's state after it. Changes nothing but
 * `callback`; a record without a webhook, not final, or whose webhook is settled is left alone.
 */
export function callbackAttempted(record: TaskRecord, now: MoveTime, attempt: CallbackAttempt, state: 'pending' | 'delivered' | 'failed'): TaskRecord | undefined {
  if (!isFinal(record) || record.callback === undefined || record.callback.state !== 'pending') return undefined;
  const attempts = [...record.callback.attempts, attempt].slice(-MAX_CALLBACK_ATTEMPTS);
  return { ...record, updated_at: iso(now), callback: { ...record.callback, state, attempts } };
}

/**
 * The lost-run rule, the one place it is written: a record still `processing` when a run starts
 * belongs to a run that ended with no outcome at all (its worker died). Returns the runs the task
 * has lost counting that one, or 0 when the previous run was not lost. Lost runs are counted per
 * task on the record, not per message: a crash returns every message the process held.
 */
export function lostRunsOnStart(record: TaskRecord): number {
  return record.status === 'processing' ? (record.lost_runs ?? 0) + 1 : 0;
}

/**
 * scheduled, queued, retrying or processing → processing, counting the attempt (and a lost run when the
 * record was still `processing`: its open run ends `lost`); clears `next_attempt_at` and opens a
 * run by `worker` (`<host>:<pid>`). Final records are left alone.
 */
export function taskStarted(record: TaskRecord, now: MoveTime, worker?: string): TaskRecord | undefined {
  if (isFinal(record) || record.cancel_requested_at !== undefined) return undefined;
  const { next_attempt_at: _due, ...rest } = record;
  const at = iso(now);
  const lost = lostRunsOnStart(record);
  const attempts = record.attempts + 1;
  const previous = lost > 0 ? closeRun(record.runs, at, { outcome: 'lost' }) : record.runs;
  const run: TaskRun = { attempt: attempts, started_at: at, ...(worker === undefined ? {} : { worker }) };
  return {
    ...rest,
    ...(lost > 0 ? { lost_runs: lost } : {}),
    status: 'processing',
    attempts,
    started_at: at,
    updated_at: at,
    ...appendRun(previous, record.runs_dropped, run),
  };
}

/** processing → processing with `progress` (clamped to 0–1); any other status is left alone. */
export function taskProgressed(record: TaskRecord, now: MoveTime, fraction: number): TaskRecord | undefined {
  if (record.status !== 'processing') return undefined;
  return { ...record, progress: Math.min(1, Math.max(0, fraction)), updated_at: iso(now) };
}

/**
 * processing → succeeded with `result` and progress 1; clears `error` and `next_attempt_at`. A run
 * a client cancelled ends `cancelled` instead, whatever it produced.
 */
export function taskSucceeded(record: TaskRecord, now: MoveTime, result: TaskResultRef): TaskRecord | undefined {
  if (record.status !== 'processing') return undefined;
  if (record.cancel_requested_at !== undefined) return taskRunCancelled(record, now);
  const { error: _error, next_attempt_at: _due, ...rest } = record;
  const at = iso(now);
  return withRunClosed({ ...rest, status: 'succeeded', progress: 1, result, updated_at: at, finished_at: at }, at, { outcome: 'succeeded' });
}

/**
 * processing → retrying, due again `delayMs` after `now`, with the failure that caused it; the run
 * ends `retrying` with that error and its delay (in whole ms). A cancelled run: cancelled.
 */
export function taskRetrying(record: TaskRecord, now: MoveTime, delayMs: number, error: TaskError): TaskRecord | undefined {
  if (record.status !== 'processing') return undefined;
  if (record.cancel_requested_at !== undefined) return taskRunCancelled(record, now);
  const at = iso(now);
  const next = { ...record, status: 'retrying' as const, updated_at: at, next_attempt_at: new Date(Date.parse(at) + delayMs).toISOString(), error };
  return withRunClosed(next, at, { outcome: 'retrying', error, retry_delay_ms: Math.max(0, Math.round(delayMs)) });
}

/**
 * Any live record (queued, processing, retrying) → failed with `error`; clears `next_attempt_at`.
 * With `unlessQueuedSince` (when a dead letter was made), a record queued after that time is left
 * alone: it was re-driven since, and the event is stale. An open run ends `failed` with the error,
 * or `lost` when the error is `worker_lost` (the run's worker died: the task gives up on it); a
 * record with no open run (dead-lettered while it waited) keeps its runs as they are.
 */
export function taskFailed(record: TaskRecord, now: MoveTime, error: TaskError, unlessQueuedSince?: MoveTime): TaskRecord | undefined {
  if (isFinal(record)) return undefined;
  if (record.cancel_requested_at !== undefined) return taskRunCancelled(record, now);
  if (unlessQueuedSince !== undefined && record.status === 'queued' && Date.parse(record.updated_at) > Date.parse(iso(unlessQueuedSince))) return undefined;
  const { next_attempt_at: _due, ...rest } = record;
  const at = iso(now);
  return withRunClosed({ ...rest, status: 'failed', updated_at: at, finished_at: at, error }, at, { outcome: error.code === 'worker_lost' ? 'lost' : 'failed', error });
}

/** queued → failed with code `not_accepted`: the broker did not confirm the publish in time. */
export function taskNotAccepted(record: TaskRecord, now: MoveTime): TaskRecord | undefined {
  if (record.status !== 'queued') return undefined;
  const at = iso(now);
  return { ...record, status: 'failed', updated_at: at, finished_at: at, error: NOT_ACCEPTED };
}

/**
 * failed with code `not_accepted` → queued: a client retried a task that was not accepted, and it
 * is published again under its id. Clears `error` and `finished_at`; any other record is left alone.
 */
export function taskResubmitted(record: TaskRecord, now: MoveTime): TaskRecord | undefined {
  if (record.status !== 'failed' || record.error?.code !== 'not_accepted') return undefined;
  const { error: _error, finished_at: _finished, ...rest } = record;
  return { ...rest, status: 'queued', updated_at: iso(now) };
}

/** processing → queued: a task released by a graceful shutdown, to be picked up again (a cancelled run: cancelled). */
export function taskReleased(record: TaskRecord, now: MoveTime): TaskRecord | undefined {
  if (record.status !== 'processing') return undefined;
  if (record.cancel_requested_at !== undefined) return taskRunCancelled(record, now);
  const at = iso(now);
  return withRunClosed({ ...record, status: 'queued', updated_at: at }, at, { outcome: 'released' });
}

/**
 * failed → queued, the explicit re-drive: attempts start again from 0 and the last failure
 * (`error`, `finished_at`, `next_attempt_at`, `progress`, `lost_runs`) is cleared. `runs` stay:
 * the next run has `attempt` 1 again, which is how the history shows the re-drive. Any other
 * status is left alone (`succeeded` is final; a queued or running task is already live).
 */
export function taskRedriven(record: TaskRecord, now: MoveTime): TaskRecord | undefined {
  if (record.status !== 'failed') return undefined;
  const { error: _error, finished_at: _finished, next_attempt_at: _due, progress: _progress, lost_runs: _lost, ...rest } = record;
  return { ...rest, status: 'queued', attempts: 0, updated_at: iso(now) };
}

/**
 * queued → failed again when a re-drive could not publish: the record gets back the failure it
 * had before (`previous`), or `fallback` when there was no record. A record that is no longer
 * queued (a worker took it: the publish reached a queue after all) is left alone.
 */
export function taskRedriveFailed(record: TaskRecord, now: MoveTime, previous: RedrivePrevious | undefined, fallback: TaskError): TaskRecord | undefined {
  if (record.status !== 'queued') return undefined;
  const at = iso(now);
  return {
    ...record,
    status: 'failed',
    attempts: previous?.attempts ?? record.attempts,
    updated_at: at,
    finished_at: previous?.finished_at ?? at,
    error: previous?.error ?? fallback,
    ...(previous?.progress === undefined ? {} : { progress: previous.progress }),
  };
}
