import type { TaskPayload, TaskResultRef, TaskType } from '@offload/contracts';
import type { Storage } from '@offload/storage';
import type { Logger } from '@offload/telemetry';
import { TaskTimeoutError } from './errors';
import type { HandlerContext, HandlerRegistry } from './handlers/handler';
import { ensureRecord, markProcessing, markProgress, markSucceeded } from './record-updates';

export type RunOutcome =
  | { kind: 'succeeded'; result: TaskResultRef }
  /** The record is already final (succeeded, failed, or not accepted): the message is dropped unrun. */
  | { kind: 'skipped'; reason: string }
  | { kind: 'failed'; error: unknown }
  /** Aborted by a graceful shutdown before it finished; nothing was written. */
  | { kind: 'released' };

export interface TaskRunnerDeps {
  storage: Storage;
  handlers: HandlerRegistry;
  timeoutMs: (taskType: TaskType) => number;
  /** Minimum time between two progress writes. @defaultValue 1000 */
  progressIntervalMs?: number;
}

export interface RunContext {
  log: Logger;
  /** Aborted when the worker releases the task on shutdown. */
  release: AbortSignal;
  /** The caller just read the record and found none. */
  recordMissing?: boolean;
}

/**
 * Moves the record to `processing`, runs the handler under the task type's time limit, and stores
 * the result. Never settles the message: the consumer does that from the outcome.
 */
export async function runTask(deps: TaskRunnerDeps, payload: TaskPayload, ctx: RunContext): Promise<RunOutcome> {
  // A task another service published has no record yet: create it first rather than fail a read.
  if (ctx.recordMissing === true) await ensureRecord(deps.storage.records, payload);
  let started = await markProcessing(deps.storage.records, payload.id);
  if (!started.applied && started.reason === 'not_found') {
    await ensureRecord(deps.storage.records, payload);
    started = await markProcessing(deps.storage.records, payload.id);
  }
  if (!started.applied) {
    const status = started.record?.status ?? 'missing';
    const code = started.record?.error?.code;
    return { kind: 'skipped', reason: code === 'not_accepted' ? 'not_accepted' : `record is ${status}` };
  }

  const limitMs = deps.timeoutMs(payload.task_type);
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new TaskTimeoutError(limitMs)), limitMs);
  const onRelease = () => controller.abort(ctx.release.reason);
  ctx.release.addEventListener('abort', onRelease, { once: true });
  const aborted = new Promise<never>((_, reject) => {
    controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true });
  });
  aborted.catch(() => undefined);

  const context = handlerContext(deps, payload.id, ctx.log, controller.signal);
  try {
    // A handler that ignores its signal is abandoned (its late writes are refused by the record
    // store), so the time limit holds even for code that cannot be interrupted.
    const result = await Promise.race([dispatch(deps.handlers, payload, context), aborted]);
    if (ctx.release.aborted) return { kind: 'released' };
    await markSucceeded(deps.storage.records, payload.id, result);
    return { kind: 'succeeded', result };
  } catch (error) {
    if (ctx.release.aborted) return { kind: 'released' };
    return { kind: 'failed', error };
  } finally {
    clearTimeout(timer);
    ctx.release.removeEventListener('abort', onRelease);
  }
}

function dispatch(handlers: HandlerRegistry, payload: TaskPayload, context: HandlerContext): Promise<TaskResultRef> {
  switch (payload.task_type) {
    case 'watermark':
      return requireHandler(handlers.watermark, payload.task_type)(payload.content, context);
    case 'analysis':
      return requireHandler(handlers.analysis, payload.task_type)(payload.content, context);
  }
}

function requireHandler<H>(handler: H | undefined, taskType: TaskType): H {
  if (handler === undefined) throw new Error(`this worker has no handler for task type ${taskType}`);
  return handler;
}

function handlerContext(deps: TaskRunnerDeps, taskId: string, log: Logger, signal: AbortSignal): HandlerContext {
  const interval = deps.progressIntervalMs ?? 1000;
  let lastWrite = 0;
  return {
    taskId,
    log,
    storage: deps.storage,
    signal,
    progress(fraction) {
      const at = Date.now();
      if (at - lastWrite < interval) return;
      lastWrite = at;
      markProgress(deps.storage.records, taskId, fraction).catch((err: unknown) => log.warn({ err }, 'progress write failed'));
    },
  };
}
