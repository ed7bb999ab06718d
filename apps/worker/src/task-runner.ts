import type { TaskPayload, TaskRecord, TaskResultRef, TaskType } from '@offload/contracts';
import type { Storage } from '@offload/storage';
import { annotateActiveSpan, type Logger } from '@offload/telemetry';
import { recordStage, tracedStorage } from './delivery-tracing';
import { TaskTimeoutError } from './errors';
import { runHandler, type HandlerContext, type HandlerRegistry } from './handlers/handler';
import type { TaskRecordKeeper } from './task-record-keeper';

export type RunOutcome =
  | { kind: 'succeeded'; result: TaskResultRef; record?: TaskRecord }
  /** The record is already final (succeeded, failed, or not accepted): the message is dropped unrun. */
  | { kind: 'skipped'; reason: string; record?: TaskRecord }
  | { kind: 'failed'; error: unknown }
  /** Aborted by a graceful shutdown before it finished; nothing was written. */
  | { kind: 'released' }
  /** A client cancelled it: the run was stopped (or its output discarded); `record` when already written. */
  | { kind: 'cancelled'; record?: TaskRecord | undefined };

export interface TaskRunnerDeps {
  /** Moves the record: started, progress, succeeded. */
  keeper: TaskRecordKeeper;
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
  /** Aborted when a client cancels the task. */
  cancel?: AbortSignal;
}

/** The reason a cancelled task's run is aborted with. */
export class TaskCancelledError extends Error {
  constructor() {
    super('a client cancelled the task');
    this.name = 'TaskCancelledError';
  }
}

/**
 * Starts the task (the keeper moves its record to `processing`, or says to skip it), runs the
 * handler under the task type's time limit, and has the result stored. Never settles the message:
 * the settlement does that from the outcome.
 */
export async function runTask(deps: TaskRunnerDeps, payload: TaskPayload, ctx: RunContext): Promise<RunOutcome> {
  annotateActiveSpan({ 'offload.task.attempt': payload.retry_count + 1, 'offload.task.type': payload.task_type });
  const started = await recordStage(payload.id, 'start', () => deps.keeper.start(payload));
  if (started.kind === 'skipped') return started;

  const limitMs = deps.timeoutMs(payload.task_type);
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new TaskTimeoutError(limitMs)), limitMs);
  const onRelease = () => controller.abort(ctx.release.reason);
  ctx.release.addEventListener('abort', onRelease, { once: true });
  const onCancel = () => controller.abort(new TaskCancelledError());
  ctx.cancel?.addEventListener('abort', onCancel, { once: true });
  const aborted = new Promise<never>((_, reject) => {
    controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true });
  });
  aborted.catch(() => undefined);

  const context = handlerContext({ ...deps, storage: tracedStorage(deps.storage, payload.id) }, payload.id, ctx.log, controller.signal);
  try {
    // A handler that ignores its signal is abandoned (its late writes are refused by the record
    // store), so the time limit holds even for code that cannot be interrupted.
    const result = await Promise.race([runHandler(deps.handlers, payload, context), aborted]);
    if (ctx.cancel?.aborted === true) return { kind: 'cancelled' };
    if (ctx.release.aborted) return { kind: 'released' };
    // A cancel that came after the last look still wins: the record ends cancelled, not succeeded.
    const record = await recordStage(payload.id, 'succeeded', () => deps.keeper.succeeded(payload.id, result));
    if (record?.status === 'cancelled') {
      await discardOutputs(deps.storage, result, ctx.log);
      return { kind: 'cancelled', record };
    }
    return { kind: 'succeeded', result, ...(record === undefined ? {} : { record }) };
  } catch (error) {
    if (ctx.cancel?.aborted === true) return { kind: 'cancelled' };
    if (ctx.release.aborted) return { kind: 'released' };
    return { kind: 'failed', error };
  } finally {
    clearTimeout(timer);
    ctx.release.removeEventListener('abort', onRelease);
    ctx.cancel?.removeEventListener('abort', onCancel);
  }
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
      deps.keeper.progress(taskId, fraction).catch((err: unknown) => log.warn({ err }, 'progress write failed'));
    },
  };
}

/**
 * The outputs of a run that finished after a client cancelled its task: no record names them, so
 * retention would never find them. Best effort: a blob left behind only takes space.
 */
async function discardOutputs(storage: Storage, result: TaskResultRef, log: Logger): Promise<void> {
  const keys = [result.output_key, ...(result.outputs ?? []).map((o) => o.output_key)];
  for (const key of new Set(keys)) {
    await storage.blobs.delete(key).catch((err: unknown) => log.warn({ err, output_key: key }, 'could not delete the output of a cancelled run'));
  }
}
