import { setTimeout as sleep } from 'node:timers/promises';
import { CALLBACK_ROUTING_KEY, taskDue, type TaskType } from '@offload/contracts';
import { CALLBACK_MESSAGE_TYPE } from '@offload/broker';
import type { Publisher } from '@offload/broker';
import type { ScheduledMessage, Storage } from '@offload/storage';
import type { Logger } from '@offload/telemetry';

export interface SchedulerOptions {
  storage: Pick<Storage, 'schedule' | 'records'>;
  publisher: Publisher;
  /** The task exchange scheduled messages are published to. */
  exchange: string;
  logger: Logger;
  /**
   * The longest sleep between two looks at the schedule: how late a task another API process
   * scheduled may start (this process wakes at once for its own). @defaultValue 500
   */
  maxSleepMs?: number;
  /** Messages claimed in one round. @defaultValue 100 */
  batchSize?: number;
  /** How long a claim keeps other processes off a message while it is published. @defaultValue 30 000 */
  leaseMs?: number;
}

export interface Scheduler {
  start(): void;
  /** A task was scheduled here for `dueMs`: wake then if that is earlier than planned. */
  scheduled(dueMs: number): void;
  /** Stops after the round in flight. */
  stop(): Promise<void>;
}

/**
 * Publishes scheduled tasks when they fall due. Between rounds it sleeps until the earliest due
 * time the record database holds (no timer per task, no CPU while waiting), at most `maxSleepMs`.
 * A message is claimed under a lease, published with a confirm, and only then its record moves
 * `scheduled → queued` and the message is forgotten: a process that dies in between leaves the
 * lease to expire and another publishes it again (at least once; a worker drops a copy whose
 * record has moved on). A task cancelled while scheduled is forgotten unpublished.
 */
export function createScheduler(options: SchedulerOptions): Scheduler {
  const maxSleepMs = options.maxSleepMs ?? 500;
  const batchSize = options.batchSize ?? 100;
  const leaseMs = options.leaseMs ?? 30_000;
  const log = options.logger.child({ component: 'scheduler' });
  let stopping = false;
  let wake = new AbortController();
  let plannedWakeMs = Number.POSITIVE_INFINITY;
  let loop: Promise<void> | undefined;

  async function publishOne(message: ScheduledMessage): Promise<void> {
    if (message.routingKey === CALLBACK_ROUTING_KEY) {
      // The webhook announcement of a task cancelled before it ran (cancel-tasks.ts).
      await options.publisher.publish({ exchange: options.exchange, routingKey: message.routingKey, body: Buffer.from(message.body), messageId: message.taskId, type: CALLBACK_MESSAGE_TYPE });
      await options.storage.schedule.remove([message.taskId]);
      return;
    }
    const record = await options.storage.records.get(message.taskId);
    if (record?.status === 'scheduled') {
      await options.publisher.publish({
        exchange: options.exchange,
        routingKey: message.routingKey,
        body: Buffer.from(message.body),
        messageId: message.taskId,
        type: record.task_type satisfies TaskType,
        headers: { ...message.headers },
      });
      const moved = await options.storage.records.update(message.taskId, (current) => taskDue(current, new Date()));
      log.info({ task_id: message.taskId, late_ms: Date.now() - message.dueMs, status: moved.record?.status }, 'scheduled task due: published');
    } else {
      log.info({ task_id: message.taskId, status: record?.status ?? 'missing' }, 'scheduled task no longer waits: not published');
    }
    await options.storage.schedule.remove([message.taskId]);
  }

  async function round(): Promise<boolean> {
    const due = await options.storage.schedule.claimDue(Date.now(), batchSize, leaseMs);
    const results = await Promise.allSettled(due.map(publishOne));
    for (const [i, result] of results.entries()) {
      if (result.status === 'rejected') log.warn({ err: result.reason, task_id: due[i]?.taskId }, 'could not publish a due task; it is tried again when its lease ends');
    }
    return due.length === batchSize;
  }

  async function run(): Promise<void> {
    while (!stopping) {
      let full = false;
      try {
        full = await round();
      } catch (err) {
        log.warn({ err }, 'the schedule could not be read; trying again');
      }
      if (full || stopping) continue;
      let next: number | undefined;
      try {
        next = await options.storage.schedule.nextDueMs();
      } catch {
        next = undefined;
      }
      const now = Date.now();
      const sleepMs = Math.max(0, Math.min(maxSleepMs, (next ?? Number.POSITIVE_INFINITY) - now));
      plannedWakeMs = now + sleepMs;
      await sleep(sleepMs, undefined, { signal: wake.signal }).catch(() => undefined);
      plannedWakeMs = Number.POSITIVE_INFINITY;
      if (wake.signal.aborted) wake = new AbortController();
    }
  }

  return {
    start() {
      loop ??= run();
    },
    scheduled(dueMs) {
      if (dueMs >= plannedWakeMs) return;
      // Wake at its due time, or now if it is already due.
      const delay = dueMs - Date.now();
      if (delay <= 0) wake.abort();
      else {
        const current = wake;
        setTimeout(() => current.abort(), delay).unref();
        plannedWakeMs = dueMs;
      }
    },
    async stop() {
      stopping = true;
      wake.abort();
      await loop;
    },
  };
}
