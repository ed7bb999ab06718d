import { SIGNATURE_HEADER, TASK_TYPES, decodeTaskPayload, type MessageSigner, type TaskRecord, type TaskType, type Topology } from '@offload/contracts';
import { createCancelWatch } from './cancel-watch';
import type { Delivery, Publisher } from '@offload/broker';
import type { Storage } from '@offload/storage';
import type { Logger, Metrics } from '@offload/telemetry';
import { createDeliveryPump } from './delivery-pump';
import { traceDelivery } from './delivery-tracing';
import type { HandlerRegistry } from './handlers/handler';
import type { RetryLimits } from './retry-policy';
import { createRunGate } from './run-gate';
import { createRunLock } from './run-lock';
import { createSettlement, type DeliveredTask } from './settlement';
import type { StartDecision, TaskRecordKeeper } from './task-record-keeper';
import { runTask } from './task-runner';

export interface ConsumerDeps {
  publisher: Publisher;
  storage: Storage;
  /** The worker's one writer of task records. */
  keeper: TaskRecordKeeper;
  topology: Topology;
  handlers: HandlerRegistry;
  logger: Logger;
  metrics: Metrics;
  concurrency: number;
  limits: (taskType: TaskType) => RetryLimits & { timeoutMs: number };
  random?: () => number;
  /** Pause before a delivery that could not be settled goes back to the queue. @defaultValue 5 000 */
  settleRetryDelayMs?: number;
  /** With a key (TASK_SIGNING_KEY): only a message it verifies is decoded and run. */
  signer?: MessageSigner | undefined;
  /** Queues the webhook of a task that ended. @defaultValue none */
  announce?: (record: TaskRecord) => Promise<void>;
  /** How often running tasks are checked for a client's cancel. @defaultValue 1 000 */
  cancelPollMs?: number;
}

export interface Consumer {
  onDelivery(delivery: Delivery): void;
  /** Releases waiting deliveries, lets running tasks finish for `graceMs`, then releases the rest. */
  drain(graceMs: number): Promise<void>;
  readonly running: number;
  /** The ids of the tasks running now (a copy): what the heartbeat reports. */
  runningTaskIds(): readonly string[];
  /** Stops watching for cancels (after the drain). */
  close(): void;
}

/**
 * Verifies each delivery's signature (with a key), decodes it, runs its task and has it settled:
 * the pump bounds how many run at once and drains on shutdown, the run lock keeps one run per task
 * id here, the keeper admits the run (the lost-run rule) and moves the record, the gate runs a
 * task that lost a run alone, and the settlement turns the outcome into ack, delayed retry, dead
 * letter or release.
 */
export function createConsumer(deps: ConsumerDeps): Consumer {
  const lock = createRunLock();
  const gate = createRunGate();
  /** Tasks running here; one run per id at a time (the run lock). */
  const runningIds = new Set<string>();
  const highQueues: ReadonlySet<string> = new Set(TASK_TYPES.map((t) => deps.topology.highWorkQueues[t]));
  const settlement = createSettlement({ ...deps, highQueues });
  const cancels = createCancelWatch({ keeper: deps.keeper, intervalMs: deps.cancelPollMs ?? 1_000, logger: deps.logger });
  deps.metrics.workerConcurrency.set(deps.concurrency);
  // The keeper the runs use: the same, and a first run's start observes how long the task waited.
  const keeper: TaskRecordKeeper = { ...deps.keeper, start: (task) => deps.keeper.start(task).then((decision) => observeWait(deps.metrics, decision)) };
  const pump = createDeliveryPump({
    concurrency: deps.concurrency,
    isUrgent: (delivery) => highQueues.has(delivery.queue),
    handle,
    recover: (delivery, err, release, draining) => settlement.requeueAfterFailure(delivery, err, release, draining),
    releaseUnstarted: (delivery) => settlement.releaseUnstarted(delivery),
  });

  async function handle(delivery: Delivery, release: AbortSignal): Promise<void> {
    deps.metrics.workerSlotsInUse.inc();
    try {
      // The process span (with tracing on) holds the decode, the run and the settlement.
      await traceDelivery(delivery, (traced) => handleInSlot(traced, release));
    } finally {
      deps.metrics.workerSlotsInUse.dec();
    }
  }

  async function handleInSlot(delivery: Delivery, release: AbortSignal): Promise<void> {
    if (deps.signer !== undefined) {
      const check = await deps.signer.verify(delivery.messageId, delivery.body, delivery.headers[SIGNATURE_HEADER]);
      if (!check.ok) {
        await settlement.rejectUnsigned(delivery, check);
        return;
      }
    }
    const decoded = decodeTaskPayload(delivery.body);
    if (!decoded.ok) {
      await settlement.rejectInvalid(delivery, decoded.message);
      return;
    }
    const payload = decoded.payload;
    const attempt = payload.retry_count + 1;
    const task: DeliveredTask = { payload, attempt, log: deps.logger.child({ task_id: payload.id, task_type: payload.task_type, attempt }) };
    await lock.hold(
      payload.id,
      () => runAndSettle(delivery, task, release),
      () => task.log.info('this task is already running here (a redelivery after a lost channel); waiting for that run'),
    );
  }

  async function runAndSettle(delivery: Delivery, task: DeliveredTask, release: AbortSignal): Promise<void> {
    const { payload, log } = task;
    const admission = await deps.keeper.admit(payload.id);
    if (admission.kind === 'worker_lost') {
      await settlement.settle(delivery, task, admission);
      return;
    }
    const { timeoutMs } = deps.limits(payload.task_type);
    const run = () => {
      deps.metrics.tasksInFlight.inc({ task_type: payload.task_type });
      runningIds.add(payload.id);
      const cancel = cancels.watch(payload.id);
      return runTask({ keeper, storage: deps.storage, handlers: deps.handlers, timeoutMs: () => timeoutMs }, payload, { log, release, cancel }).finally(() => {
        deps.metrics.tasksInFlight.dec({ task_type: payload.task_type });
        runningIds.delete(payload.id);
        cancels.unwatch(payload.id);
      });
    };
    // A task that has lost a run runs alone, so the next crash it causes takes no neighbour with it.
    if (admission.lostRuns > 0) log.warn({ lost_runs: admission.lostRuns }, 'an earlier run of this task died with its worker; running it alone');
    const endTimer = deps.metrics.taskDuration.startTimer({ task_type: payload.task_type });
    const outcome = await (admission.lostRuns > 0 ? gate.exclusive(run) : gate.shared(run));
    endTimer({ outcome: outcome.kind });
    await settlement.settle(delivery, task, outcome);
  }

  return {
    onDelivery: (delivery) => pump.push(delivery),
    drain: (graceMs) => pump.drain(graceMs),
    get running() {
      return pump.running;
    },
    runningTaskIds: () => [...runningIds],
    close: () => cancels.close(),
  };
}

/** A first run that started: the time from its queueing (its run_at, when scheduled) to now. */
function observeWait(metrics: Metrics, decision: StartDecision): StartDecision {
  if (decision.kind !== 'started') return decision;
  const { record } = decision;
  const startedMs = Date.parse(record.started_at ?? '');
  const queuedMs = Date.parse(record.run_at ?? record.created_at);
  if (record.attempts === 1 && Number.isFinite(startedMs) && Number.isFinite(queuedMs)) {
    metrics.taskWait.observe({ task_type: record.task_type }, Math.max(0, startedMs - queuedMs) / 1000);
  }
  return decision;
}
