import type { TaskPayload, TaskResultRef, TaskType } from '@offload/contracts';
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

export type ContentOf<T extends TaskType> = Extract<TaskPayload, { task_type: T }>['content'];

/**
 * Runs one task and returns where its output is stored. Must be idempotent: a redelivered task
 * writes the same output key. Throws PermanentTaskError when the input is at fault.
 */
export type TaskHandler<T extends TaskType> = (content: ContentOf<T>, context: HandlerContext) => Promise<TaskResultRef>;

export type HandlerRegistry = { readonly [T in TaskType]?: TaskHandler<T> };
