import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import {
  SIGNATURE_HEADER,
  delayRoutingKey,
  describeSignatureFailure,
  isTaskType,
  encodeTaskPayload,
  workRoutingKey,
  type SignatureFailure,
  type TaskError,
  type TaskPayload,
  type TaskRecord,
  type TaskType,
  type Topology,
} from '@offload/contracts';
import type { Delivery, Publisher } from '@offload/broker';
import { FIRST_ATTEMPT_HEADER, activeTraceparent, type Logger, type Metrics } from '@offload/telemetry';
import { publishDeadLetter } from './dead-letter';
import { decideRetry, type RetryLimits } from './retry-policy';
import type { TaskRecordKeeper } from './task-record-keeper';
import type { RunOutcome } from './task-runner';

/** What became of a delivery: its run's outcome, or `worker_lost` when it was not run at all. */
export type DeliveryOutcome = RunOutcome | { kind: 'worker_lost'; lostRuns: number };

/** The delivery's task, as the consumer decoded it. */
export interface DeliveredTask {
  payload: TaskPayload;
  /** This delivery's attempt, 1-based (the envelope's `retry_count` + 1). */
  attempt: number;
  /** The child logger of this delivery (task_id, task_type, attempt). */
  log: Logger;
}

export interface SettlementDeps {
  publisher: Publisher;
  topology: Topology;
  keeper: TaskRecordKeeper;
  logger: Logger;
  metrics: Metrics;
  limits: (taskType: TaskType) => RetryLimits;
  random?: () => number;
  /** Pause before a delivery that could not be settled goes back to the queue. @defaultValue 5 000 */
  settleRetryDelayMs?: number;
  /** Queues the webhook of a task that ended (a no-op without one). @defaultValue none */
  announce?: (record: TaskRecord) => Promise<void>;
  /** The high-priority work queues: a copy of a message from one goes back to one. */
  highQueues?: ReadonlySet<string>;
}

/**
 * Turns what became of a delivery into its settlement: the record's move (through the keeper),
 * then the broker's part (a delayed copy, a dead letter, a fresh copy) and last the ack, on the
 * channel the delivery came from (see Delivery.ack). Nothing is acked before what it promises is
 * stored and confirmed; when that fails, the returned promise rejects and the delivery is unacked.
 */
export interface Settlement {
  settle(delivery: Delivery, task: DeliveredTask, outcome: DeliveryOutcome): Promise<void>;
  /** Dead-letters a message that could not be decoded or failed validation. */
  rejectInvalid(delivery: Delivery, reason: string): Promise<void>;
  /** Dead-letters a message that is unsigned or whose signature does not verify (TASK_SIGNING_KEY). */
  rejectUnsigned(delivery: Delivery, failure: { reason: SignatureFailure; keyId?: string }): Promise<void>;
  /** Puts a message that never started back on its queue (on shutdown), then acks it. */
  releaseUnstarted(delivery: Delivery): Promise<void>;
  /**
   * A delivery that could not be settled goes back to the queue: after a pause (cut short by
   * `release`), unless the worker is `draining`.
   */
  requeueAfterFailure(delivery: Delivery, err: unknown, release: AbortSignal, draining: boolean): Promise<void>;
}

export function createSettlement(deps: SettlementDeps): Settlement {
  const count = (taskType: string, outcome: string) => deps.metrics.tasksProcessed.inc({ task_type: taskType, outcome });
  const countFailure = (taskType: string, code: string, outcome: 'retried' | 'dead_lettered') => deps.metrics.taskFailures.inc({ task_type: taskType, code, outcome });
  const announce = async (record: TaskRecord | undefined) => {
    if (record !== undefined && deps.announce !== undefined) await deps.announce(record);
  };

  /** `detail` goes to the dead-letter entry (operators), `error.message` to the record (clients). */
  async function deadLetter(delivery: Delivery, payload: TaskPayload, error: TaskError, attempts: number, detail = error.message): Promise<void> {
    await publishDeadLetter(deps.publisher, deps.topology, delivery, { ...error, detail, attempts, taskType: payload.task_type });
    await announce(await deps.keeper.failed(payload.id, error));
    delivery.ack();
  }

  /**
   * Puts a fresh copy of the message back on its queue, then acks the original. Unlike a nack,
   * this does not count toward the broker's delivery limit (which, before RabbitMQ 4.3, counts
   * every requeue), so graceful shutdowns never make a healthy task fail. A verified message is
   * signed again (with the current key); one never verified keeps the signature it came with.
   */
  async function republish(delivery: Delivery, taskType: string, messageId: string, verified: boolean): Promise<void> {
    const signature = delivery.headers[SIGNATURE_HEADER];
    try {
      await deps.publisher.publish({
        exchange: deps.topology.taskExchange,
        routingKey: deps.highQueues?.has(delivery.queue) === true ? `${taskType}.high` : taskType,
        body: delivery.body,
        messageId,
        type: taskType,
        headers: verified || typeof signature !== 'string' ? passThroughHeaders(delivery) : { ...passThroughHeaders(delivery), [SIGNATURE_HEADER]: signature },
        sign: verified,
      });
      delivery.ack();
    } catch (err) {
      deps.logger.warn({ err, task_id: messageId }, 'could not republish on shutdown; leaving the message to the broker');
      delivery.nack(true);
    }
  }

  async function settleFailure(delivery: Delivery, { payload, attempt, log }: DeliveredTask, error: unknown): Promise<void> {
    // A run a client cancelled ends cancelled however it failed: no retry, no dead letter.
    if (await deps.keeper.cancelRequested(payload.id)) {
      await announce(await deps.keeper.runCancelled(payload.id));
      delivery.ack();
      log.info('task cancelled by a client; its run failed on the way out');
      count(payload.task_type, 'cancelled');
      return;
    }
    const decision = decideRetry(error, attempt, deps.limits(payload.task_type), deps.random);
    if (decision.action === 'retry') {
      await deps.keeper.retrying(payload.id, decision.delayMs, { code: decision.code, message: decision.message });
      const next: TaskPayload = { ...payload, retry_count: payload.retry_count + 1 };
      await deps.publisher.publish({
        exchange: deps.topology.delayEntryExchange,
        routingKey: delayRoutingKey(decision.delayMs, workRoutingKey(payload.task_type, payload.priority)),
        body: Buffer.from(encodeTaskPayload(next)),
        messageId: payload.id,
        type: payload.task_type,
        headers: passThroughHeaders(delivery),
      });
      delivery.ack();
      log.warn({ err: error, code: decision.code, retry_in_ms: decision.delayMs }, 'task failed; retry scheduled');
      count(payload.task_type, 'retried');
      countFailure(payload.task_type, decision.code, 'retried');
      return;
    }
    await deadLetter(delivery, payload, { code: decision.code, message: decision.message }, attempt, decision.detail);
    // A corrupt upload or bad data is the input's fault and expected: no stack, no alarm.
    if (decision.inputFault) log.warn({ code: decision.code, reason: decision.message }, 'task failed on its input; dead-lettered');
    else log.error({ err: error, code: decision.code }, 'task failed; dead-lettered');
    count(payload.task_type, 'dead_lettered');
    countFailure(payload.task_type, decision.code, 'dead_lettered');
  }

  /** Dead-letters a message that never ran, and fails the record its id names, if it has one. */
  async function rejectUnrun(delivery: Delivery, error: TaskError, detail?: string): Promise<void> {
    const taskType = delivery.type ?? 'unknown';
    await publishDeadLetter(deps.publisher, deps.topology, delivery, { ...error, ...(detail === undefined ? {} : { detail }), attempts: 1, taskType });
    if (delivery.messageId !== undefined && z.uuid().safeParse(delivery.messageId).success) await deps.keeper.failed(delivery.messageId, error);
    delivery.ack();
    // A message's type is the sender's word: only a registered type becomes a label.
    const label = isTaskType(taskType) ? taskType : 'unknown';
    count(label, 'dead_lettered');
    countFailure(label, error.code, 'dead_lettered');
  }

  return {
    async settle(delivery, task, outcome) {
      const { payload, attempt, log } = task;
      switch (outcome.kind) {
        case 'worker_lost': {
          const message = `${outcome.lostRuns} runs ended without a result: the task keeps killing its worker`;
          await deadLetter(delivery, payload, { code: 'worker_lost', message }, attempt);
          log.error({ lost_runs: outcome.lostRuns }, 'task dead-lettered: worker_lost');
          count(payload.task_type, 'dead_lettered');
          countFailure(payload.task_type, 'worker_lost', 'dead_lettered');
          return;
        }
        case 'succeeded':
          await announce(outcome.record);
          delivery.ack();
          log.info({ output_key: outcome.result.output_key }, 'task succeeded');
          count(payload.task_type, 'succeeded');
          return;
        case 'skipped':
          // A finished task whose webhook is still pending: this worker may have died between
          // its record and its webhook, so the webhook is queued again (receivers dedupe by webhook-id).
          await announce(outcome.record);
          delivery.ack();
          log.info({ reason: outcome.reason }, 'message dropped without running');
          count(payload.task_type, 'skipped');
          return;
        case 'cancelled':
          await announce(outcome.record ?? (await deps.keeper.runCancelled(payload.id)));
          delivery.ack();
          log.info('task cancelled by a client; its run stopped');
          count(payload.task_type, 'cancelled');
          return;
        case 'released': {
          // Record first: once the copy is published another worker may take it at once.
          const record = await deps.keeper.released(payload.id);
          if (record?.status === 'cancelled') {
            await announce(record);
            delivery.ack();
            count(payload.task_type, 'cancelled');
            return;
          }
          await republish(delivery, payload.task_type, payload.id, true);
          log.info('task released to the queue on shutdown');
          count(payload.task_type, 'released');
          return;
        }
        case 'failed':
          return settleFailure(delivery, task, outcome.error);
      }
    },

    async rejectInvalid(delivery, reason) {
      await rejectUnrun(delivery, { code: 'invalid_message', message: `invalid message: ${reason}` });
      deps.logger.error({ message_id: delivery.messageId, queue: delivery.queue, reason }, 'invalid message dead-lettered');
    },

    async rejectUnsigned(delivery, failure) {
      const detail = `invalid signature: ${describeSignatureFailure(failure)}`;
      await rejectUnrun(delivery, { code: 'invalid_signature', message: 'the message is unsigned or its signature does not match: it was not run' }, detail);
      deps.logger.warn({ task_id: delivery.messageId, queue: delivery.queue, reason: failure.reason, key_id: failure.keyId }, 'message with an invalid signature dead-lettered without running');
    },

    releaseUnstarted(delivery) {
      return republish(delivery, delivery.type ?? 'unknown', delivery.messageId ?? 'unknown', false);
    },

    async requeueAfterFailure(delivery, err, release, draining) {
      deps.logger.error({ err, message_id: delivery.messageId }, 'could not settle a delivery (record store or broker unavailable?); it goes back to the queue after a pause');
      // Holding it first keeps an outage of the record store from spinning every message through
      // the queue (and, before RabbitMQ 4.3, toward its delivery limit); the held slot also stops
      // this worker taking new ones meanwhile.
      if (!draining) await sleep(deps.settleRetryDelayMs ?? 5_000, undefined, { signal: release }).catch(() => undefined);
      delivery.nack(true);
    },
  };
}

/** Headers a copy of the message keeps (trace context), without the broker's own. */
function passThroughHeaders(delivery: Delivery): Record<string, string> {
  // With tracing on, the copy continues from this delivery's process span, and names the first
  // attempt's process span (which each later attempt's process span links to).
  const active = activeTraceparent();
  const traceparent = active ?? delivery.headers.traceparent;
  const first = delivery.headers[FIRST_ATTEMPT_HEADER] ?? active;
  return { ...(typeof traceparent === 'string' ? { traceparent } : {}), ...(typeof first === 'string' ? { [FIRST_ATTEMPT_HEADER]: first } : {}) };
}
