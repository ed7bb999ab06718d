import type { z } from 'zod';
import { analysisTaskType } from './analysis';
import type { TaskTypeDefinition, UploadKind } from './define-task-type';
import { thumbnailTaskType } from './thumbnail';
import { watermarkTaskType } from './watermark';

/**
 * The task types offload runs, one entry each: the only list of them. Each gets its own queue, its
 * schemas, its upload checks and (in the worker's registry) its handler. Add a type here and in
 * apps/worker/src/task-types/index.ts.
 */
export const TASK_TYPE_REGISTRY = {
  watermark: watermarkTaskType,
  thumbnail: thumbnailTaskType,
  analysis: analysisTaskType,
} as const satisfies Record<string, TaskTypeDefinition>;

type Registry = typeof TASK_TYPE_REGISTRY;
export type TaskType = keyof Registry;

// Object.keys is typed string[]; these are exactly the registry's keys.
export const TASK_TYPES = Object.keys(TASK_TYPE_REGISTRY) as [TaskType, ...TaskType[]];

/** A task type's content as a worker reads it (defaults applied). */
export type ContentOf<T extends TaskType> = z.output<Registry[T]['content']>;
/** A task type's content as validated from a client (defaults applied). */
export type InputContentOf<T extends TaskType> = z.output<Registry[T]['input']>;
/** The record's `result` of a task of this type that succeeded. */
export type ResultOf<T extends TaskType> = z.output<Registry[T]['result']>;

export function isTaskType(value: unknown): value is TaskType {
  return typeof value === 'string' && Object.hasOwn(TASK_TYPE_REGISTRY, value);
}

/** An upload a task's content refers to: where (a dotted content path), its key, what it must be. */
export interface TaskUpload {
  path: string;
  key: string;
  kind: UploadKind;
}

/** Every upload key in a task's content, from its type's `uploads` (absent optional ones skipped). */
export function taskUploads(taskType: TaskType, content: unknown): TaskUpload[] {
  return Object.entries(TASK_TYPE_REGISTRY[taskType].uploads).flatMap(([path, kind]) => {
    const key = path.split('.').reduce<unknown>((value, part) => (value !== null && typeof value === 'object' ? Reflect.get(value, part) : undefined), content);
    return typeof key === 'string' ? [{ path, key, kind }] : [];
  });
}
