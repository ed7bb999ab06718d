import { z } from 'zod';
import { TASK_PRIORITIES } from './task-record';
import { TASK_TYPE_REGISTRY, TASK_TYPES, type InputContentOf, type TaskType } from './task-types/index';

/** How far ahead a task may be scheduled (`run_at`, `delay_ms`): a year. */
export const MAX_SCHEDULE_AHEAD_MS = 365 * 24 * 3600 * 1000;
/** The longest `callback_url`. */
export const MAX_CALLBACK_URL_LENGTH = 2048;

/**
 * What any task may carry besides its content: when it runs, how urgent it is, and where to say it
 * ended. The same names are text fields of every multipart route. `run_at` and `delay_ms` exclude
 * each other, and both stay within MAX_SCHEDULE_AHEAD_MS (the API checks those against its clock).
 */
export const taskOptionsShape = {
  run_at: z.iso.datetime({ offset: true }).optional().describe('RFC 3339 time: the task is `scheduled` and runs no earlier'),
  delay_ms: z.number().int().min(0).max(MAX_SCHEDULE_AHEAD_MS).optional().describe('Run no earlier than this many ms from now'),
  priority: z.enum(TASK_PRIORITIES).optional().describe('`high` overtakes the `normal` work of its type'),
  callback_url: z
    .url({ protocol: /^https?$/, hostname: z.regexes.hostname })
    .max(MAX_CALLBACK_URL_LENGTH)
    .optional()
    .describe('Receives the record, signed (Standard Webhooks), when the task ends'),
} as const;
export type TaskOptions = { run_at?: string; delay_ms?: number; priority?: (typeof TASK_PRIORITIES)[number]; callback_url?: string };
/** The names of taskOptionsShape: on a multipart route they are the task's, not its content's. */
export const TASK_OPTION_FIELDS = Object.keys(taskOptionsShape) as (keyof TaskOptions)[];

/** What a client sends to `POST /v1/tasks`, for one task type. */
export type TaskInputOf<T extends TaskType> = { task_type: T; content: InputContentOf<T> } & TaskOptions;
/** What a client sends to `POST /v1/tasks`: the union over the registry. */
export type TaskInput = { [T in TaskType]: TaskInputOf<T> }[TaskType];

/**
 * What a client sends to `POST /v1/tasks`: `{task_type, content}` and the task options, strict at
 * every level, so a misspelt option is a 422 rather than silently ignored. One option per
 * registered task type.
 */
export const taskInputSchema = z.discriminatedUnion(
  'task_type',
  // A tuple of one strict object per type; zod needs at least one, the registry has three.
  TASK_TYPES.map((t) => z.strictObject({ task_type: z.literal(t), content: TASK_TYPE_REGISTRY[t].input, ...taskOptionsShape })) as unknown as [
    z.ZodObject<{ task_type: z.ZodLiteral<TaskType>; content: z.ZodType }>,
  ],
) as unknown as z.ZodType<TaskInput, unknown>;
