import { z } from 'zod';
import { taskPayloadSchema } from './envelope';
import { taskInputSchema } from './task-input';
import { taskRecordSchema } from './task-record';

/** JSON Schemas (draft 2020-12) for services written in other languages. */
export function taskPayloadJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(taskPayloadSchema, { io: 'input' });
}
export function taskInputJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(taskInputSchema, { io: 'input' });
}
export function taskRecordJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(taskRecordSchema);
}
