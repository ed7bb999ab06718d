import {
  lostRunsOnStart,
  taskCreated,
  taskFailed,
  taskProgressed,
  taskReleased,
  taskRunCancelled,
  taskRetrying,
  taskStarted,
  taskSucceeded,
  taskUploads,
  type NewTask,
  type TaskError,
  type TaskRecord,
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
export type StartDecision = { kind: 'started'; record: TaskRecord } | { kind: 'skipped'; reason: string; record?: TaskRecord };

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
   * queued/retrying/processing → processing, counting the attempt and opening a run in the
   * record's `runs` under this worker's name. A task another service
   * published has no record yet: it is created first, linked to the uploads its `content` names
   * (retention keeps them while it lives). A final record means the task is skipped.
   */
  start(task: NewTask & { content?: unknown }): Promise<StartDecision>;
  /** Progress (0–1) of a running task. */
  progress(taskId: string, fraction: number): Promise<void>;
  /** Whether a client cancelled the task while it runs (read from the database, not a cache). */
  cancelRequested(taskId: string): Promise<boolean>;
  /** The run succeeded; the record it left (cancelled, when a client cancelled it meanwhile). */
  succeeded(taskId: string, result: TaskResultRef): Promise<TaskRecord | undefined>;
  /** The task failed and runs again in `delayMs`. */
  retrying(taskId: string, delayMs: number, error: TaskError): Promise<TaskRecord | undefined>;
  /** The task was dead-lettered by this worker; the record it left. */
  failed(taskId: string, error: TaskError): Promise<TaskRecord | undefined>;
  /** The run a client cancelled has stopped: the record ends `cancelled`. */
  runCancelled(taskId: string): Promise<TaskRecord | undefined>;
  /**
   * A dead letter was seen (possibly one the broker made on its own). A record queued after
   * `deadLetteredAt` was re-driven since and stays as it is. The record when it moved.
   */
  deadLettered(taskId: string, error: TaskError, deadLetteredAt?: Date): Promise<TaskRecord | undefined>;
  /** A graceful shutdown released the running task: it goes back to `queued` (or ends cancelled). */
  released(taskId: string): Promise<TaskRecord | undefined>;
}

export interface TaskRecordKeeperOptions {
  records: RecordStore;
  /** Runs of one task lost with their worker (crashes) before it fails as worker_lost. */
  maxLostRuns: number;
  /** The clock the moves are stamped with. @defaultValue `() => new Date()` */
  now?: () => Date;
  /** This worker process as the runs it starts name it: `<host>:<pid>`. @defaultValue none (runs name no worker) */
  worker?: string;
}

/** Applies the record moves of contracts to `records` for this worker process. */
export function createTaskRecordKeeper(options: TaskRecordKeeperOptions): TaskRecordKeeper {
  const { records, maxLostRuns, worker } = options;
  const now = options.now ?? (() => new Date());
  const start = (current: TaskRecord) => taskStarted(current, now(), worker);

  async function startOrCreate(task: NewTask & { content?: unknown }) {
    const started = await records.update(task.id, start);
    if (started.applied || started.reason !== 'not_found') return started;
    // Created by nobody yet (or by the API a moment later: creates are exclusive, so neither
    // overwrites the other).
    await records.create(taskCreated(task, now()), { uploads: taskUploads(task.task_type, task.content).map((u) => u.key) });
    return records.update(task.id, start);
  }

  return {
    async admit(taskId) {
      const current = await records.get(taskId);
      const lostRuns = current === undefined ? 0 : lostRunsOnStart(current);
      return lostRuns >= maxLostRuns ? { kind: 'worker_lost', lostRuns } : { kind: 'run', lostRuns };
    },
    async start(task) {
      const started = await startOrCreate(task);
      if (started.applied) return { kind: 'started', record: started.record };
      let record = started.record;
      // Cancelled while a worker that died was running it: it ends here, unrun.
      if (record?.status === 'processing' && record.cancel_requested_at !== undefined) {
        record = (await records.update(task.id, (current) => taskRunCancelled(current, now()))).record;
      }
      const code = record?.error?.code;
      return { kind: 'skipped', reason: code === 'not_accepted' ? 'not_accepted' : `record is ${record?.status ?? 'missing'}`, ...(record === undefined ? {} : { record }) };
    },
    async progress(taskId, fraction) {
      await records.update(taskId, (current) => taskProgressed(current, now(), fraction));
    },
    async cancelRequested(taskId) {
      return (await records.get(taskId))?.cancel_requested_at !== undefined;
    },
    async succeeded(taskId, result) {
      return (await records.update(taskId, (current) => taskSucceeded(current, now(), result))).record;
    },
    async retrying(taskId, delayMs, error) {
      return (await records.update(taskId, (current) => taskRetrying(current, now(), delayMs, error))).record;
    },
    async failed(taskId, error) {
      return (await records.update(taskId, (current) => taskFailed(current, now(), error))).record;
    },
    async runCancelled(taskId) {
      return (await records.update(taskId, (current) => taskRunCancelled(current, now()))).record;
    },
    async deadLettered(taskId, error, deadLetteredAt) {
      const outcome = await records.update(taskId, (current) => taskFailed(current, now(), error, deadLetteredAt));
      return outcome.applied ? outcome.record : undefined;
    },
    async released(taskId) {
      return (await records.update(taskId, (current) => taskReleased(current, now()))).record;
    },
  };
}
