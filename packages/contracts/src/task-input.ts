import { z } from 'zod';
import { analysisContentInputSchema } from './task-types/analysis';
import { watermarkContentInputSchema } from './task-types/watermark';

/**
 * What a client sends to `POST /v1/tasks`: `{task_type, content}`, strict at every level,
 * so a misspelt option is a 422 rather than silently ignored.
 */
export const taskInputSchema = z.discriminatedUnion('task_type', [
  z.strictObject({ task_type: z.literal('watermark'), content: watermarkContentInputSchema }),
  z.strictObject({ task_type: z.literal('analysis'), content: analysisContentInputSchema }),
]);
export type TaskInput = z.infer<typeof taskInputSchema>;
