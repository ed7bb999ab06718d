import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { decodeTaskPayload, delayRoutingKey, encodeTaskPayload, type TaskPayload, type TaskType, type Topology } from '@offload/contracts';
import type { Delivery, Publisher } from '@offload/broker';
import type { Storage } from '@offload/storage';
import type { Logger, Metrics } from '@offload/telemetry';
import { publishDeadLetter } from './dead-letter';
import type { HandlerRegistry } from './handlers/handler';
import { markFailed, markReleased, markRetrying } from './record-updates';
import { decideRetry, type RetryLimits } from './retry-policy';
import { createRunGate } from './run-gate';
import { runTask } from './task-runner';

export interface ConsumerDeps {
  publisher: Publisher;
  storage: Storage;
  topology: Topology;
  handlers: HandlerRegistry;
  logger: Logger;
  metrics: Metrics;
  concurrency: number;
  /** Runs of one task lost with their worker (crashes) before it fails as worker_lost. */
  maxDeliveries: number;
  limits: (taskType: TaskType) => RetryLimits & { timeoutMs: number };
  random?: () => number;
  /** Pause before a delivery that could not be settled goes back to the queue. @defaultValue 5 000 */
  settleRetryDelayMs?: number;
}

export interface Consumer {
  onDelivery(delivery: Delivery): void;
  /** Releases waiting deliveries, lets running tasks finish for `graceMs`, then releases the rest. */
  drain(graceMs: number): Promise<void>;
  readonly running: number;
}

class ReleaseSignal extends Error {
  constructor() {
    super('the worker is shutting down');
    this.name = 'ReleaseSignal';
  }
}

/**
 * Decodes, validates and runs each delivery, then settles it: ack on success (after the result and
 * record are stored), a delayed copy on a retryable failure, a dead letter on a permanent one, and a
 * fresh copy on shutdown. It settles each delivery on the channel it came from (see Delivery.ack).
 */
export function createConsumer(deps: ConsumerDeps): Consumer {
  const waiting: Delivery[] = [];
  const running = new Map<Delivery, { release: AbortController; done: Promise<void> }>();
  // One run per task id at a time in this process. When a connection drops mid-task, the broker
  // redelivers the message at once on the new channel while the first run is still going; the
  // redelivery waits for it and then finds the task done instead of running it twice.
  const runsById = new Map<string, Promise<void>>();
  const gate = createRunGate();
  let draining = false;

  function pump(): void {
    while (!draining && running.size < deps.concurrency) {
      const delivery = waiting.shift();
      if (!delivery) return;
      const release = new AbortController();
      const done = handle(delivery, release.signal)
        .catch(async (err: unknown) => {
          deps.logger.error({ err, message_id: delivery.messageId }, 'could not settle a delivery (record store or broker unavailable?); it goes back to the queue after a pause');
          // Holding it first keeps an outage of the record store from spinning every message
          // through the queue (and, before RabbitMQ 4.3, toward its delivery limit); the held
          // slot also stops this worker taking new ones meanwhile.
          if (!draining) await sleep(deps.settleRetryDelayMs ?? 5_000, undefined, { signal: release.signal }).catch(() => undefined);
          delivery.nack(true);
        })
        .finally(() => {
          running.delete(delivery);
          pump();
        });
      running.set(delivery, { release, done });
    }
  }

  async function handle(delivery: Delivery, release: AbortSignal): Promise<void> {
    const decoded = decodeTaskPayload(delivery.body);
    if (!decoded.ok) {
      await deadLetterInvalid(delivery, decoded.message);
      return;
    }
    const payload = decoded.payload;
    const attempt = payload.retry_count + 1;
    const log = deps.logger.child({ task_id: payload.id, task_type: payload.task_type, attempt });
    const earlier = runsById.get(payload.id);
    let finish = () => {};
    const mine = new Promise<void>((resolve) => {
      finish = resolve;
    });
    runsById.set(payload.id, mine);
    try {
      if (earlier !== undefined) {
        log.info('this task is already running here (a redelivery after a lost channel); waiting for that run');
        await earlier;
      }
      await settle(delivery, payload, attempt, log, release);
    } finally {
      finish();
      if (runsById.get(payload.id) === mine) runsById.delete(payload.id);
    }
  }

  async function settle(delivery: Delivery, payload: TaskPayload, attempt: number, log: Logger, release: AbortSignal): Promise<void> {
    const count = (outcome: string) => deps.metrics.tasksProcessed.inc({ task_type: payload.task_type, outcome });

    // A record still `processing` means an earlier run ended with no outcome at all: its worker
    // died. Such runs are counted per task on the record (not per message: a crash returns every
    // message the process held, healthy ones too), and a task that has lost a run runs alone, so
    // the next crash it causes takes no neighbour with it.
    const current = await deps.storage.records.get(payload.id);
    const lostRuns = current?.status === 'processing' ? (current.lost_runs ?? 0) + 1 : 0;
    if (lostRuns >= deps.maxDeliveries) {
      const message = `${lostRuns} runs ended without a result: the task keeps killing its worker`;
      await deadLetter(delivery, payload, 'worker_lost', message, attempt);
      log.error({ lost_runs: lostRuns }, 'task dead-lettered: worker_lost');
      count('dead_lettered');
      return;
    }

    const limits = deps.limits(payload.task_type);
    const run = () => {
      deps.metrics.tasksInFlight.inc({ task_type: payload.task_type });
      return runTask({ storage: deps.storage, handlers: deps.handlers, timeoutMs: () => limits.timeoutMs }, payload, { log, release, recordMissing: current === undefined }).finally(() =>
        deps.metrics.tasksInFlight.dec({ task_type: payload.task_type }),
      );
    };
    if (lostRuns > 0) log.warn({ lost_runs: lostRuns }, 'an earlier run of this task died with its worker; running it alone');
    const endTimer = deps.metrics.taskDuration.startTimer({ task_type: payload.task_type });
    const outcome = await (lostRuns > 0 ? gate.exclusive(run) : gate.shared(run));
    endTimer({ outcome: outcome.kind });

    switch (outcome.kind) {
      case 'succeeded':
        delivery.ack();
        log.info({ output_key: outcome.result.output_key }, 'task succeeded');
        count('succeeded');
        return;
      case 'skipped':
        delivery.ack();
        log.info({ reason: outcome.reason }, 'message dropped without running');
        count('skipped');
        return;
      case 'released':
        await releaseStarted(delivery, payload);
        log.info('task released to the queue on shutdown');
        count('released');
        return;
      case 'failed': {
        const decision = decideRetry(outcome.error, attempt, limits, deps.random);
        if (decision.action === 'retry') {
          await markRetrying(deps.storage.records, payload.id, decision.delayMs, decision.code, decision.message);
          const next: TaskPayload = { ...payload, retry_count: payload.retry_count + 1 };
          await deps.publisher.publish({
            exchange: deps.topology.delayEntryExchange,
            routingKey: delayRoutingKey(decision.delayMs, payload.task_type),
            body: Buffer.from(encodeTaskPayload(next)),
            messageId: payload.id,
            type: payload.task_type,
            headers: passThroughHeaders(delivery),
          });
          delivery.ack();
          log.warn({ err: outcome.error, code: decision.code, retry_in_ms: decision.delayMs }, 'task failed; retry scheduled');
          count('retried');
          return;
        }
        await deadLetter(delivery, payload, decision.code, decision.message, attempt, decision.detail);
        // A corrupt upload or bad data is the input's fault and expected: no stack, no alarm.
        if (decision.inputFault) log.warn({ code: decision.code, reason: decision.message }, 'task failed on its input; dead-lettered');
        else log.error({ err: outcome.error, code: decision.code }, 'task failed; dead-lettered');
        count('dead_lettered');
        return;
      }
    }
  }

  /** `detail` goes to the dead-letter entry (operators), `message` to the record (clients). */
  async function deadLetter(delivery: Delivery, payload: TaskPayload, code: Parameters<typeof markFailed>[2], message: string, attempts: number, detail = message) {
    await publishDeadLetter(deps.publisher, deps.topology, delivery, { code, message, detail, attempts, taskType: payload.task_type });
    await markFailed(deps.storage.records, payload.id, code, message);
    delivery.ack();
  }

  async function deadLetterInvalid(delivery: Delivery, reason: string): Promise<void> {
    const taskType = delivery.type ?? 'unknown';
    const message = `invalid message: ${reason}`;
    await publishDeadLetter(deps.publisher, deps.topology, delivery, { code: 'invalid_message', message, attempts: 1, taskType });
    if (delivery.messageId !== undefined && z.uuid().safeParse(delivery.messageId).success) {
      await markFailed(deps.storage.records, delivery.messageId, 'invalid_message', message);
    }
    delivery.ack();
    deps.logger.error({ message_id: delivery.messageId, queue: delivery.queue, reason }, 'invalid message dead-lettered');
  }

  /**
   * Puts a fresh copy of the message back on its queue, then acks the original. Unlike a nack,
   * this does not count toward the broker's delivery limit (which, before RabbitMQ 4.3, counts
   * every requeue), so graceful shutdowns never make a healthy task fail.
   */
  async function republish(delivery: Delivery, taskType: string, messageId: string): Promise<void> {
    try {
      await deps.publisher.publish({
        exchange: deps.topology.taskExchange,
        routingKey: taskType,
        body: delivery.body,
        messageId,
        type: taskType,
        headers: passThroughHeaders(delivery),
      });
      delivery.ack();
    } catch (err) {
      deps.logger.warn({ err, task_id: messageId }, 'could not republish on shutdown; leaving the message to the broker');
      delivery.nack(true);
    }
  }

  async function releaseStarted(delivery: Delivery, payload: TaskPayload): Promise<void> {
    // Record first: once the copy is published another worker may take it at once.
    await markReleased(deps.storage.records, payload.id);
    await republish(delivery, payload.task_type, payload.id);
  }

  async function releaseUnstarted(delivery: Delivery): Promise<void> {
    await republish(delivery, delivery.type ?? 'unknown', delivery.messageId ?? 'unknown');
  }

  return {
    onDelivery(delivery) {
      if (draining) {
        void releaseUnstarted(delivery);
        return;
      }
      waiting.push(delivery);
      pump();
    },
    async drain(graceMs) {
      draining = true;
      await Promise.all(waiting.splice(0).map(releaseUnstarted));
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, graceMs);
      });
      await Promise.race([Promise.all([...running.values()].map((r) => r.done)), deadline]);
      clearTimeout(timer);
      for (const { release } of running.values()) release.abort(new ReleaseSignal());
      await Promise.all([...running.values()].map((r) => r.done));
    },
    get running() {
      return running.size;
    },
  };
}

/** Headers a copy of the message keeps (trace context), without the broker's own. */
function passThroughHeaders(delivery: Delivery): Record<string, string> {
  const traceparent = delivery.headers.traceparent;
  return typeof traceparent === 'string' ? { traceparent } : {};
}
