import type { ErrorCode, TaskPayload, TaskRecord, TaskResultRef } from '@offload/contracts';
import type { RecordStore, UpdateOutcome } from '@offload/storage';

/**
 * The record moves a worker makes. The store refuses moves TASK_TRANSITIONS does not allow, so
 * these describe the target state and let a late or duplicate write fail harmlessly.
 */

const now = () => new Date().toISOString();

/** Creates the record of a task that arrived without one (published by another service). */
export async function ensureRecord(records: RecordStore, payload: TaskPayload): Promise<void> {
  await records.create({
    id: payload.id,
    task_type: payload.task_type,
    status: 'queued',
    attempts: 0,
    created_at: payload.created_at,
    updated_at: now(),
  });
}

/**
 * queued/retrying/processing → processing, counting the attempt. A record still `processing` when
 * a run starts belongs to a run that ended without any outcome (its worker died): that counts as
 * a lost run. Leaves terminal records alone.
 */
export function markProcessing(records: RecordStore, id: string): Promise<UpdateOutcome> {
  return records.update(id, (current) => {
    if (current.status === 'succeeded' || current.status === 'failed') return undefined;
    const { next_attempt_at: _due, ...rest } = current;
    const at = now();
    const lost = current.status === 'processing' ? { lost_runs: (current.lost_runs ?? 0) + 1 } : {};
    return { ...rest, ...lost, status: 'processing', attempts: current.attempts + 1, started_at: at, updated_at: at };
  });
}

export function markSucceeded(records: RecordStore, id: string, result: TaskResultRef): Promise<UpdateOutcome> {
  return records.update(id, (current) => {
    const { error: _error, next_attempt_at: _due, ...rest } = current;
    const at = now();
    return { ...rest, status: 'succeeded', progress: 1, result, updated_at: at, finished_at: at };
  });
}

export function markRetrying(records: RecordStore, id: string, delayMs: number, code: ErrorCode, message: string): Promise<UpdateOutcome> {
  return records.update(id, (current) => ({
    ...current,
    status: 'retrying',
    updated_at: now(),
    next_attempt_at: new Date(Date.now() + delayMs).toISOString(),
    error: { code, message },
  }));
}

/** Any live record → failed; with `unlessQueuedSince`, a record queued after that time is left alone. */
export function markFailed(records: RecordStore, id: string, code: ErrorCode, message: string, unlessQueuedSince?: Date): Promise<UpdateOutcome> {
  return records.update(id, (current): TaskRecord | undefined => {
    if (current.status === 'failed' || current.status === 'succeeded') return undefined;
    if (unlessQueuedSince !== undefined && current.status === 'queued' && Date.parse(current.updated_at) > unlessQueuedSince.getTime()) return undefined;
    const { next_attempt_at: _due, ...rest } = current;
    const at = now();
    return { ...rest, status: 'failed', updated_at: at, finished_at: at, error: { code, message } };
  });
}

/** processing → queued: a task released by a graceful shutdown, to be picked up again. */
export function markReleased(records: RecordStore, id: string): Promise<UpdateOutcome> {
  return records.update(id, (current) => (current.status === 'processing' ? { ...current, status: 'queued', updated_at: now() } : undefined));
}

export function markProgress(records: RecordStore, id: string, fraction: number): Promise<UpdateOutcome> {
  return records.update(id, (current) =>
    current.status === 'processing' ? { ...current, progress: Math.min(1, Math.max(0, fraction)), updated_at: now() } : undefined,
  );
}

/**
 * failed → queued, the explicit re-drive: attempts start again from 0 and the last failure
 * (`error`, `finished_at`, `next_attempt_at`, `progress`) is cleared. Creates the record as queued
 * when it is missing. Any other status is left alone (`succeeded` is final; a queued or running
 * task is already live), and the outcome says which it was.
 */
export async function markRedriven(records: RecordStore, payload: TaskPayload): Promise<UpdateOutcome> {
  const outcome = await records.update(payload.id, (current) => {
    if (current.status !== 'failed') return undefined;
    const { error: _error, finished_at: _finished, next_attempt_at: _due, progress: _progress, lost_runs: _lost, ...rest } = current;
    return { ...rest, status: 'queued', attempts: 0, updated_at: now() };
  });
  if (outcome.applied || outcome.reason !== 'not_found') return outcome;
  const at = now();
  const record: TaskRecord = { id: payload.id, task_type: payload.task_type, status: 'queued', attempts: 0, created_at: payload.created_at, updated_at: at };
  if (await records.create(record)) return { applied: true, record };
  // Created by someone else in between: decide on what is there now.
  return markRedriven(records, payload);
}

/**
 * queued → failed again when a re-drive could not publish: the record gets back the failure it
 * had before (`previous`), or `fallback` when there was no record. A record a worker has already
 * taken (the publish reached a queue after all) is left alone.
 */
export function markRedriveFailed(records: RecordStore, id: string, previous: TaskRecord | undefined, fallback: { code: ErrorCode; message: string }): Promise<UpdateOutcome> {
  return records.update(id, (current): TaskRecord | undefined => {
    if (current.status !== 'queued') return undefined;
    const at = now();
    return {
      ...current,
      status: 'failed',
      attempts: previous?.attempts ?? current.attempts,
      updated_at: at,
      finished_at: previous?.finished_at ?? at,
      error: previous?.error ?? fallback,
      ...(previous?.progress === undefined ? {} : { progress: previous.progress }),
    };
  });
}
