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

/** queued/retrying/processing → processing, counting the attempt. Leaves terminal records alone. */
export function markProcessing(records: RecordStore, id: string): Promise<UpdateOutcome> {
  return records.update(id, (current) => {
    if (current.status === 'succeeded' || current.status === 'failed') return undefined;
    const { next_attempt_at: _due, ...rest } = current;
    const at = now();
    return { ...rest, status: 'processing', attempts: current.attempts + 1, started_at: at, updated_at: at };
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

export function markFailed(records: RecordStore, id: string, code: ErrorCode, message: string): Promise<UpdateOutcome> {
  return records.update(id, (current): TaskRecord | undefined => {
    if (current.status === 'failed' || current.status === 'succeeded') return undefined;
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
