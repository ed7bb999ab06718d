import { canTransition, taskRecordSchema, type TaskRecord } from '@offload/contracts';
import type { RecordUpdate, UpdateOutcome } from './storage';

/** What an update asks of the stored record: write `next`, or leave it (and why). */
export type JudgedUpdate = { write: true; next: TaskRecord } | { write: false; outcome: Extract<UpdateOutcome, { applied: false }> };

/**
 * The rule every record store enforces, in one place: `update` sees a copy of `current` (so an
 * update that mutates its argument cannot fool the checks), its result must be a valid record,
 * keep the id, type and creation time, and make a move TASK_TRANSITIONS allows.
 */
export function judgeUpdate(current: TaskRecord, update: RecordUpdate): JudgedUpdate {
  const proposed = update(structuredClone(current));
  if (proposed === undefined) return { write: false, outcome: { applied: false, reason: 'unchanged', record: current } };
  const next = taskRecordSchema.parse(proposed);
  const allowed =
    next.id === current.id &&
    next.task_type === current.task_type &&
    next.created_at === current.created_at &&
    canTransition(current.status, next.status);
  if (!allowed) return { write: false, outcome: { applied: false, reason: 'transition_not_allowed', record: current } };
  return { write: true, next };
}

/** Parses a stored record's text; a record store never hands out what the schema refuses. */
export function parseRecord(text: string): TaskRecord {
  return taskRecordSchema.parse(JSON.parse(text));
}

export function serializeRecord(record: TaskRecord): string {
  return JSON.stringify(record);
}
