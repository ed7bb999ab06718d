import { analysisContentInputSchema, analysisContentSchema } from './analysis';
import { watermarkContentInputSchema, watermarkContentSchema } from './watermark';

/** The task types offload runs. Each has its own queue, content schema and handler. */
export const TASK_TYPES = ['watermark', 'analysis'] as const;
export type TaskType = (typeof TASK_TYPES)[number];

/** task_type → content schema, as the worker reads it (lenient) and as a client sends it (strict). */
export const TASK_CONTENT_SCHEMAS = {
  watermark: { content: watermarkContentSchema, input: watermarkContentInputSchema },
  analysis: { content: analysisContentSchema, input: analysisContentInputSchema },
} as const;

export function isTaskType(value: unknown): value is TaskType {
  return typeof value === 'string' && (TASK_TYPES as readonly string[]).includes(value);
}
