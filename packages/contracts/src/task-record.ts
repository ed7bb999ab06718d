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

/** How a run ended. `lost`: its worker died (or lost its connection) before saying. */
export const TASK_RUN_OUTCOMES = ['succeeded', 'retrying', 'failed', 'released', 'cancelled', 'lost'] as const;

/**
 * The most runs a record keeps in `runs`; older ones are dropped first and counted in
 * `runs_dropped`. Not part of the schema, so a later release may keep more without older readers
 * refusing its records.
 */
export const MAX_TASK_RUNS = 20;

/** One run of a task by a worker: an entry of the record's `runs`. */
export const taskRunSchema = z.object({
  attempt: z
    .number()
    .int()
    .min(1)
    .describe("The record's `attempts` when the run started; it starts again at 1 after a re-drive, so a run whose attempt is not above the one before began a re-driven round"),
  started_at: z.iso.datetime({ offset: true }),
  worker: z.string().optional().describe('The worker process that ran it, `<host>:<pid>` (the host and pid GET /v1/workers lists)'),
  ended_at: z.iso.datetime({ offset: true }).optional().describe('Absent while the run goes on; for a `lost` run, when the loss was noticed'),
  outcome: z
    .enum(TASK_RUN_OUTCOMES)
    .optional()
    .describe('How the run ended: `released` by a graceful shutdown (the task queued again), `lost` with its worker; absent while it goes on'),
  error: taskErrorSchema.optional().describe('Why a `retrying` or `failed` run failed; `worker_lost` on a `lost` run that made the task give up'),
  retry_delay_ms: z.number().int().min(0).optional().describe('For a `retrying` run: how long after its end the next attempt was due'),
});
export type TaskRun = z.infer<typeof taskRunSchema>;

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
  runs: z
    .array(taskRunSchema)
    .optional()
    .describe(
      `The task's runs, oldest first; the last one has no \`ended_at\` while the task is processing. At most ${MAX_TASK_RUNS}: older ones are dropped (\`runs_dropped\`). A re-drive keeps them, and the next run has \`attempt\` 1 again. Absent before the first run`,
    ),
  runs_dropped: z.number().int().min(1).optional().describe('How many of the oldest runs were left out of `runs` to keep it short'),
});
export type TaskRecord = z.infer<typeof taskRecordSchema>;
/** The record of a task of one type, its `result` typed by the type's result schema. */
export type TaskRecordOf<T extends TaskType> = Omit<TaskRecord, 'task_type' | 'result'> & { task_type: T; result?: ResultOf<T> };
