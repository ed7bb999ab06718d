import { z } from 'zod';
import { tenantSchema } from './access';
import { ERROR_CODE_NAMES } from './error-codes';
import { TASK_TYPES, type ResultOf, type TaskType } from './task-types/index';

export const TASK_STATUSES = ['scheduled', 'queued', 'processing', 'retrying', 'succeeded', 'failed', 'cancelled'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

/**
 * The only moves a record may make. `succeeded` and `cancelled` are final; `failed` goes back to
 * `queued` only by an explicit re-drive or a client's retry of a `not_accepted` task. A final
 * status moving to itself changes only the webhook's bookkeeping (`callback`): the moves of
 * contracts touch nothing else of a finished record. `processing → processing` is a redelivery, a
 * progress report or a cancel request; `processing → queued` is a task released by a worker's
 * graceful shutdown.
 */
export const TASK_TRANSITIONS: Readonly<Record<TaskStatus, readonly TaskStatus[]>> = {
  scheduled: ['queued', 'processing', 'failed', 'cancelled'],
  queued: ['processing', 'failed', 'cancelled'],
  processing: ['processing', 'retrying', 'succeeded', 'failed', 'queued', 'cancelled'],
  retrying: ['processing', 'failed', 'cancelled'],
  succeeded: ['succeeded'],
  failed: ['queued', 'failed'],
  cancelled: ['cancelled'],
};

export function canTransition(from: TaskStatus, to: TaskStatus): boolean {
  return TASK_TRANSITIONS[from].includes(to);
}

export function isTerminalStatus(status: TaskStatus): boolean {
  return status === 'succeeded' || status === 'failed' || status === 'cancelled';
}

/** `high` overtakes the `normal` work of its type. */
export const TASK_PRIORITIES = ['high', 'normal'] as const;
export type TaskPriority = (typeof TASK_PRIORITIES)[number];

export const taskErrorSchema = z.object({
  code: z.enum(ERROR_CODE_NAMES),
  message: z.string(),
});
export type TaskError = z.infer<typeof taskErrorSchema>;

/** A named output of a task besides its result (a thumbnail rendition): `GET /v1/tasks/:id/outputs/:name`. */
export const taskOutputSchema = z.looseObject({
  name: z.string(),
  output_key: z.string(),
  content_type: z.string(),
  bytes: z.number().int().nonnegative(),
});
export type TaskOutput = z.infer<typeof taskOutputSchema>;

/**
 * Where a finished task's output lives (`GET /v1/tasks/:id/result` serves it), and its named
 * outputs if it has several; each task type adds its own fields (see its `result` schema).
 */
export const taskResultRefSchema = z.looseObject({
  output_key: z.string(),
  content_type: z.string(),
  outputs: z.array(taskOutputSchema).optional(),
});
export type TaskResultRef = z.infer<typeof taskResultRefSchema>;

/** One delivery attempt of a task's webhook. */
export const callbackAttemptSchema = z.object({
  at: z.iso.datetime({ offset: true }),
  status_code: z.number().int().optional().describe("The receiver's HTTP status; absent when no response came"),
  error: z.string().optional().describe('Why the attempt failed, when it did'),
});
export type CallbackAttempt = z.infer<typeof callbackAttemptSchema>;

/** The webhook of a task (`callback_url` on submit) and what became of it. */
export const taskCallbackSchema = z.object({
  url: z.string(),
  state: z.enum(['pending', 'delivered', 'failed']).describe('`pending` until a 2xx (`delivered`) or the retry window ends (`failed`)'),
  attempts: z.array(callbackAttemptSchema).describe('Every delivery attempt, oldest first'),
});
export type TaskCallback = z.infer<typeof taskCallbackSchema>;

/** The task record served by `GET /v1/tasks/:id`. */
export const taskRecordSchema = z.object({
  id: z.uuid(),
  task_type: z.enum(TASK_TYPES),
  tenant: tenantSchema.optional().describe('The tenant of the API key that created the task (the store always sets it; `default` without keys)'),
  status: z.enum(TASK_STATUSES),
  attempts: z.number().int().min(0).describe('Times a worker started the task'),
  lost_runs: z
    .number()
    .int()
    .min(0)
    .optional()
    .describe('Runs that ended without any outcome because their worker died (or lost its connection)'),
  priority: z.enum(TASK_PRIORITIES).optional().describe('Absent: `normal`'),
  created_at: z.iso.datetime({ offset: true }),
  updated_at: z.iso.datetime({ offset: true }),
  run_at: z.iso.datetime({ offset: true }).optional().describe('When a scheduled task is due'),
  cancel_requested_at: z.iso.datetime({ offset: true }).optional().describe('When a client cancelled the task while it ran; it ends `cancelled` once the run stopped'),
  started_at: z.iso.datetime({ offset: true }).optional(),
  finished_at: z.iso.datetime({ offset: true }).optional(),
  next_attempt_at: z.iso.datetime({ offset: true }).optional().describe('When a retrying task runs again'),
  progress: z.number().min(0).max(1).optional(),
  result: taskResultRefSchema.optional(),
  error: taskErrorSchema.optional(),
  callback: taskCallbackSchema.optional(),
});
export type TaskRecord = z.infer<typeof taskRecordSchema>;
/** The record of a task of one type, its `result` typed by the type's result schema. */
export type TaskRecordOf<T extends TaskType> = Omit<TaskRecord, 'task_type' | 'result'> & { task_type: T; result?: ResultOf<T> };
