import type { z } from 'zod';
import type { ContentOf, TaskPayload, TaskPayloadOf, TaskResultRef, TaskType } from '@offload/contracts';
import type { Storage } from '@offload/storage';
import type { Logger } from '@offload/telemetry';

/** What a handler gets besides its content. Handlers know nothing of AMQP. */
export interface HandlerContext {
  readonly taskId: string;
  /** Child logger carrying task_id, task_type and attempt. */
  readonly log: Logger;
  readonly storage: Storage;
  /** Aborted when the task's time limit passes or the worker releases it on shutdown. */
  readonly signal: AbortSignal;
  /** Reports progress (0–1) to the task record; throttled, never throws. */
  progress(fraction: number): void;
}

export type { ContentOf };

/**
 * Runs one task and returns where its output is stored. Must be idempotent: a redelivered task
 * writes the same output key. Throws PermanentTaskError when the input is at fault.
 */
export type TaskHandler<T extends TaskType> = (content: ContentOf<T>, context: HandlerContext) => Promise<TaskResultRef>;

export type HandlerRegistry = { readonly [T in TaskType]?: TaskHandler<T> };

/**
 * What the worker knows of a task type, besides its contracts entry: the defaults of its time
 * limit and attempts (each an environment variable, `<TYPE>_TIMEOUT_MS` and `<TYPE>_MAX_ATTEMPTS`),
 * the variables it reads of its own, and how to make its handler from them.
 */
export interface WorkerTaskType<T extends TaskType, Env extends z.ZodRawShape = z.ZodRawShape> {
  /** Default time limit of one attempt; it must stay below the broker's consumer_timeout. */
  readonly timeoutMs: number;
  /** Default attempts before a retryable failure is dead-lettered. */
  readonly maxAttempts: number;
  /** Its own environment variables (names, defaults, bounds, descriptions); they reach the README. */
  readonly env: Env;
  /** The handler, from its own variables (validated) and what every type shares. */
  createHandler(env: z.output<z.ZodObject<Env>>, shared: SharedHandlerConfig): TaskHandler<T>;
}

/** Settings every handler may read. */
export interface SharedHandlerConfig {
  /** Largest image (width × height) accepted. */
  imageMaxPixels: number;
  /** Where handlers put scratch files by default. */
  tempDir: string;
}

/** Declares the worker's side of a task type; the identity, typed. */
export function defineWorkerTaskType<T extends TaskType, Env extends z.ZodRawShape>(definition: WorkerTaskType<T, Env>): WorkerTaskType<T, Env> {
  return definition;
}

/**
 * Runs the registered handler of a payload's task type. Throws (a retryable error) when this
 * worker has none, which only a worker consuming a queue it was not built for can meet.
 */
export function runHandler(handlers: HandlerRegistry, payload: TaskPayload, context: HandlerContext): Promise<TaskResultRef> {
  return runTyped(handlers, payload, context);
}

function runTyped<T extends TaskType>(handlers: HandlerRegistry, payload: TaskPayloadOf<T>, context: HandlerContext): Promise<TaskResultRef> {
  // The registry maps each type to its own handler; indexed by a type parameter, TypeScript sees a union.
  const handler = handlers[payload.task_type] as TaskHandler<T> | undefined;
  if (handler === undefined) throw new Error(`this worker has no handler for task type ${payload.task_type}`);
  return handler(payload.content, context);
}
