import { z } from 'zod';
import { TASK_TYPES, type TaskType } from '@offload/contracts';
import { analysisWorkerType } from './analysis';
import type { HandlerRegistry, SharedHandlerConfig, TaskHandler, WorkerTaskType } from './handler';
import { thumbnailWorkerType } from './thumbnail';
import { watermarkWorkerType } from './watermark';

/**
 * The worker's side of every task type: the only list of them in the worker, held by the compiler
 * to the same keys as contracts' TASK_TYPE_REGISTRY. The time-limit and attempts variables, each
 * type's own variables and the handlers are all derived from it.
 */
export const WORKER_TASK_TYPES = {
  watermark: watermarkWorkerType,
  thumbnail: thumbnailWorkerType,
  analysis: analysisWorkerType,
} as const satisfies { readonly [T in TaskType]: WorkerTaskType<T> };

/** The worker's entry for one type. */
export function workerTaskType<T extends TaskType>(taskType: T): WorkerTaskType<T> {
  // Indexing the registry with a type parameter yields the union of every entry; this one is T's.
  return WORKER_TASK_TYPES[taskType] as unknown as WorkerTaskType<T>;
}

/** One type's handler, from the validated environment (the type reads its own variables from it). */
export function createHandler<T extends TaskType>(taskType: T, env: Readonly<Record<string, unknown>>, shared: SharedHandlerConfig): TaskHandler<T> {
  const entry = workerTaskType(taskType);
  return entry.createHandler(z.object(entry.env).parse(env), shared);
}

/** Every registered type's handler. */
export function createHandlers(env: Readonly<Record<string, unknown>>, shared: SharedHandlerConfig): HandlerRegistry {
  const handlers: { -readonly [T in TaskType]?: TaskHandler<T> } = {};
  for (const taskType of TASK_TYPES) assign(handlers, taskType, createHandler(taskType, env, shared));
  return handlers;
}

function assign<T extends TaskType>(handlers: { -readonly [K in TaskType]?: TaskHandler<K> }, taskType: T, handler: TaskHandler<T>): void {
  // A mapped type indexed by a type parameter: TypeScript cannot see that `handlers[T]` is TaskHandler<T>.
  (handlers as Record<T, TaskHandler<T>>)[taskType] = handler;
}
