import { z } from 'zod';
import { taskPayloadSchema } from './envelope';
import { problemSchema } from './problem';
import { taskInputSchema } from './task-input';
import { taskRecordSchema } from './task-record';
import { TASK_TYPE_REGISTRY, type TaskType } from './task-types/index';

/** A JSON Schema document (draft 2020-12). */
export type JsonSchema = Record<string, unknown>;

/**
 * Each schema describes what the zod schema's `parse` accepts (`io: 'input'`): fields with a
 * default are optional, and an object that ignores unknown fields allows them, so a reader in
 * another language is as tolerant as ours and keeps working when a minor release adds a field.
 */
function toJsonSchema(schema: z.ZodType, title: string, description: string): JsonSchema {
  const { $schema, ...rest } = z.toJSONSchema(schema, { io: 'input' });
  return { $schema, title, description, ...rest };
}

/** The message envelope: the body of every task message (`@offload/contracts/task-payload.schema.json`). */
export function taskPayloadJsonSchema(): JsonSchema {
  return toJsonSchema(
    taskPayloadSchema,
    'TaskPayload',
    'The body of every task message, envelope major version 1: {v, id, task_type, content, created_at, retry_count}. ' +
      'task_type selects the content schema; unknown fields are ignored.',
  );
}

/** What a client sends to `POST /v1/tasks` (`@offload/contracts/task-input.schema.json`). */
export function taskInputJsonSchema(): JsonSchema {
  return toJsonSchema(
    taskInputSchema,
    'TaskInput',
    'What a client sends to POST /v1/tasks: {task_type, content}, strict at every level (an unknown field is a 422).',
  );
}

/** The task record of `GET /v1/tasks/:id` (`@offload/contracts/task-record.schema.json`). */
export function taskRecordJsonSchema(): JsonSchema {
  return toJsonSchema(
    taskRecordSchema,
    'TaskRecord',
    'The task record served by GET /v1/tasks/:id. The result of a succeeded task also follows its type\'s result schema (<task_type>-result.schema.json).',
  );
}

/** The `application/problem+json` body of every error (`@offload/contracts/problem.schema.json`). */
export function problemJsonSchema(): JsonSchema {
  return toJsonSchema(
    problemSchema,
    'Problem',
    'The RFC 9457 application/problem+json body every error answers with; code is one of offload\'s error codes.',
  );
}

/** The record's `result` of a succeeded task of this type (`@offload/contracts/<taskType>-result.schema.json`). */
export function taskResultJsonSchema(taskType: TaskType): JsonSchema {
  const { description, result } = TASK_TYPE_REGISTRY[taskType];
  return toJsonSchema(result, `${taskType} result`, `The result of a succeeded ${taskType} task (its record's result). The task: ${description}.`);
}
