import { z } from 'zod';
import { TASK_TYPE_REGISTRY, TASK_TYPES, type InputContentOf, type TaskType } from './task-types/index';

/** What a client sends to `POST /v1/tasks`, for one task type. */
export type TaskInputOf<T extends TaskType> = { task_type: T; content: InputContentOf<T> };
/** What a client sends to `POST /v1/tasks`: the union over the registry. */
export type TaskInput = { [T in TaskType]: TaskInputOf<T> }[TaskType];

/**
 * What a client sends to `POST /v1/tasks`: `{task_type, content}`, strict at every level, so a
 * misspelt option is a 422 rather than silently ignored. One option per registered task type.
 */
export const taskInputSchema = z.discriminatedUnion(
  'task_type',
  // A tuple of one strict object per type; zod needs at least one, the registry has three.
  TASK_TYPES.map((t) => z.strictObject({ task_type: z.literal(t), content: TASK_TYPE_REGISTRY[t].input })) as unknown as [
    z.ZodObject<{ task_type: z.ZodLiteral<TaskType>; content: z.ZodType }>,
  ],
) as unknown as z.ZodType<TaskInput, unknown>;
