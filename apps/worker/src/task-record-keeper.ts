import {
  lostRunsOnStart,
  taskCreated,
  taskFailed,
  taskProgressed,
  taskReleased,
  taskRetrying,
  taskStarted,
  taskSucceeded,
  taskUploads,
  type NewTask,
  type TaskError,
  type TaskResultRef,
} from '@offload/contracts';
import type { RecordStore } from '@offload/storage';

/** Whether a delivery may run, decided from its task's record before the run starts. */
export type Admission =
  /** `lostRuns` > 0: the previous run died with its worker, so this one runs alone. */
  | { kind: 'run'; lostRuns: number }
  /** The task has lost `lostRuns` runs, the most allowed: it keeps killing its worker. */
  | { kind: 'worker_lost'; lostRuns: number };

/** Whether the record moved to `processing`, or why the task must not run. */
export type StartDecision = { kind: 'started' } | { kind: 'skipped'; reason: string };

/**
 * The one module of the worker that writes task records. Callers say what happened (a decision);
 * the keeper reads the record, applies the move from contracts and answers with a decision in
 * turn, never with the record. The store refuses moves TASK_TRANSITIONS does not allow, so a late
 * or duplicate write fails harmlessly.
 */
export interface TaskRecordKeeper {
  /** Reads the record and applies the lost-run rule: run (alone after a lost run) or give up. */
  admit(taskId: string): Promise<Admission>;
  /**
   * queued/retrying/processing → processing, counting the attempt. A task another service
   * published has no record yet: it is created first, linked to the uploads its `content` names
   * (retention keeps them while it lives). A final record means the task is skipped.
   */
  start(task: NewTask & { content?: unknown }): Promise<StartDecision>;
  /** Progress (0–1) of a running task. */
  progress(taskId: string, fraction: number): Promise<void>;
  succeeded(taskId: string, result: TaskResultRef): Promise<void>;
  /** The task failed and runs again in `delayMs`. */
  retrying(taskId: string, delayMs: number, error: TaskError): Promise<void>;
  /** The task was dead-lettered by this worker. */
  failed(taskId: string, error: TaskError): Promise<void>;
  /**
   * A dead letter was seen (possibly one the broker made on its own). A record queued after
   * `deadLetteredAt` was re-driven since and stays as it is. True when the record moved.
   */
  deadLettered(taskId: string, error: TaskError, deadLetteredAt?: Date): Promise<boolean>;
  /** A graceful shutdown released the running task: it goes back to `queued`. */
  released(taskId: string): Promise<void>;
}

export interface TaskRecordKeeperOptions {
  records: RecordStore;
  /** Runs of one task lost with their worker (crashes) before it fails as worker_lost. */
  maxLostRuns: number;
  /** The clock the moves are stamped with. @defaultValue `() => new Date()` */
  now?: () => Date;
}

/** Applies the record moves of contracts to `records` for this worker process. */
export function createTaskRecordKeeper(options: TaskRecordKeeperOptions): TaskRecordKeeper {
  const { records, maxLostRuns } = options;
  const now = options.now ?? (() => new Date());

  async function startOrCreate(task: NewTask & { content?: unknown }) {
    const started = await records.update(task.id, (current) => taskStarted(current, now()));
    if (started.applied || started.reason !== 'not_found') return started;
    // Created by nobody yet (or by the API a moment later: creates are exclusive, so neither
    // overwrites the other).
    await records.create(taskCreated(task, now()), { uploads: taskUploads(task.task_type, task.content).map((u) => u.key) });
    return records.update(task.id, (current) => taskStarted(current, now()));
  }

  return {
    async admit(taskId) {
      const current = await records.get(taskId);
      const lostRuns = current === undefined ? 0 : lostRunsOnStart(current);
      return lostRuns >= maxLostRuns ? { kind: 'worker_lost', lostRuns } : { kind: 'run', lostRuns };
    },
    async start(task) {
      const started = await startOrCreate(task);
      if (started.applied) return { kind: 'started' };
      const code = started.record?.error?.code;
      return { kind: 'skipped', reason: code === 'not_accepted' ? 'not_accepted' : `record is ${started.record?.status ?? 'missing'}` };
    },
    async progress(taskId, fraction) {
      await records.update(taskId, (current) => taskProgressed(current, now(), fraction));
    },
    async succeeded(taskId, result) {
      await records.update(taskId, (current) => taskSucceeded(current, now(), result));
    },
    async retrying(taskId, delayMs, error) {
      await records.update(taskId, (current) => taskRetrying(current, now(), delayMs, error));
    },
    async failed(taskId, error) {
      await records.update(taskId, (current) => taskFailed(current, now(), error));
    },
    async deadLettered(taskId, error, deadLetteredAt) {
      const outcome = await records.update(taskId, (current) => taskFailed(current, now(), error, deadLetteredAt));
      return outcome.applied;
    },
    async released(taskId) {
      await records.update(taskId, (current) => taskReleased(current, now()));
    },
  };
}
