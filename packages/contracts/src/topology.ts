import type { TaskPriority } from './task-record';
import { TASK_TYPES, type TaskType } from './task-types/index';

/**
 * The queue topology as data. Every API and worker asserts it on every (re)connect, so it must
 * be idempotent and must never change an existing queue's arguments between releases: RabbitMQ
 * answers a changed argument with 406 and closes the channel. What is tunable (attempt limits,
 * backoff, time limits) lives in the application, never in these arguments.
 */

export type ExchangeType = 'direct' | 'topic' | 'fanout';

export interface ExchangeSpec {
  readonly name: string;
  readonly type: ExchangeType;
}

export type QueueRole = 'work' | 'delay' | 'dead_letter' | 'dead_letter_events' | 'callbacks';

export interface QueueSpec {
  readonly name: string;
  readonly role: QueueRole;
  /** Set for `work` queues. */
  readonly taskType?: TaskType;
  /** Set for `work` queues: which priority of its type it holds. */
  readonly priority?: TaskPriority;
  /** Set for `delay` queues: the level of the delay cascade. */
  readonly delayLevel?: number;
  /** Declared explicitly (never relying on a broker version's defaults). */
  readonly arguments: Readonly<Record<string, string | number>>;
}

export interface BindingSpec {
  /** A queue is bound to an exchange, or an exchange to an exchange. */
  readonly destinationType: 'queue' | 'exchange';
  readonly destination: string;
  readonly source: string;
  readonly pattern: string;
}

export interface Topology {
  readonly prefix: string;
  readonly exchanges: readonly ExchangeSpec[];
  readonly queues: readonly QueueSpec[];
  readonly bindings: readonly BindingSpec[];
  /** The direct exchange tasks are published to, with the task type as routing key. */
  readonly taskExchange: string;
  /** The fanout exchange that receives every dead letter. */
  readonly deadLetterExchange: string;
  /** Holds dead letters until they are listed, re-driven or purged. */
  readonly deadLetterQueue: string;
  /** A copy of each dead letter, consumed by workers to mark records `failed`. */
  readonly deadLetterEventsQueue: string;
  /** The exchange a delayed retry is published to (the top of the delay cascade). */
  readonly delayEntryExchange: string;
  /** The work queue of each task type for `normal` priority. */
  readonly workQueues: Readonly<Record<TaskType, string>>;
  /** The work queue of each task type for `high` priority: workers take from it first. */
  readonly highWorkQueues: Readonly<Record<TaskType, string>>;
  /** Webhook deliveries of finished tasks (routing key CALLBACK_ROUTING_KEY on the task exchange). */
  readonly callbackQueue: string;
  readonly delay: { readonly unitMs: number; readonly levels: number };
}

/** Quorum queues count every requeue toward this before RabbitMQ 4.3; workers stop well before it. */
export const BROKER_DELIVERY_LIMIT = 50;

/** Dead-letter queues are read by listing (get, then return): this many lists never drop a message. */
export const DEAD_LETTER_DELIVERY_LIMIT = 1_000_000;

/** Delay cascade: level k holds a message for DELAY_UNIT_MS × 2^k; 20 levels reach ~29 hours. */
export const DELAY_UNIT_MS = 100;
export const DELAY_LEVELS = 20;
export const MAX_DELAY_MS = DELAY_UNIT_MS * (2 ** DELAY_LEVELS - 1);

export const DEFAULT_PREFIX = 'offload';

/**
 * The routing key of webhook deliveries, on the task exchange and at the end of the delay cascade.
 * Task type names are lowercase words starting with a letter, so none is ever this.
 */
export const CALLBACK_ROUTING_KEY = '_callback';
const PREFIX_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/i;

const QUORUM_WITH_DEAD_LETTERS = {
  'x-queue-type': 'quorum',
  'x-dead-letter-strategy': 'at-least-once',
  // at-least-once dead-lettering requires reject-publish overflow.
  'x-overflow': 'reject-publish',
} as const;

function delayExchange(prefix: string, level: number): string {
  return `${prefix}.delay.${level}`;
}

/** Builds the topology for a name prefix (`offload` in production, `test-<uuid>` in tests). */
export function buildTopology(prefix: string = DEFAULT_PREFIX): Topology {
  if (!PREFIX_PATTERN.test(prefix)) {
    throw new RangeError(`queue prefix ${JSON.stringify(prefix)} must match ${String(PREFIX_PATTERN)}`);
  }
  const taskExchange = `${prefix}.tasks`;
  const deadLetterExchange = `${prefix}.dead`;
  const deadLetterQueue = `${prefix}.dead-letter`;
  const deadLetterEventsQueue = `${prefix}.dead-letter.events`;
  const delayOutExchange = `${prefix}.delay.out`;

  const workQueues = Object.fromEntries(TASK_TYPES.map((t) => [t, `${prefix}.task.${t}`])) as Record<TaskType, string>;
  const highWorkQueues = Object.fromEntries(TASK_TYPES.map((t) => [t, `${prefix}.task.${t}.high`])) as Record<TaskType, string>;
  const callbackQueue = `${prefix}.callbacks`;

  const exchanges: ExchangeSpec[] = [
    { name: taskExchange, type: 'direct' },
    { name: deadLetterExchange, type: 'fanout' },
    { name: delayOutExchange, type: 'topic' },
  ];
  const queues: QueueSpec[] = [];
  const bindings: BindingSpec[] = [];

  // Priority as a second queue per type, not a queue argument: classic queues' x-max-priority
  // cannot be added to an existing queue, and quorum queues ignore priorities before RabbitMQ 4.0.
  for (const taskType of TASK_TYPES) {
    for (const priority of ['normal', 'high'] as const) {
      const name = priority === 'high' ? highWorkQueues[taskType] : workQueues[taskType];
      queues.push({
        name,
        role: 'work',
        taskType,
        priority,
        arguments: {
          ...QUORUM_WITH_DEAD_LETTERS,
          'x-dead-letter-exchange': deadLetterExchange,
          'x-delivery-limit': BROKER_DELIVERY_LIMIT,
        },
      });
      const key = workRoutingKey(taskType, priority);
      bindings.push({ destinationType: 'queue', destination: name, source: taskExchange, pattern: key });
      // A delayed message leaves the cascade with routing key `<bits>.<work routing key>`.
      bindings.push({ destinationType: 'queue', destination: name, source: delayOutExchange, pattern: `#.${key}` });
    }
  }

  // Listing the dead-letter queue returns its messages to it, and every return counts toward a
  // quorum queue's delivery limit (20 by default from RabbitMQ 4.0; past it, with no DLX, a
  // message is dropped). So the limit is stated, and far out of reach.
  const keepForever = { 'x-queue-type': 'quorum', 'x-delivery-limit': DEAD_LETTER_DELIVERY_LIMIT } as const;
  queues.push(
    { name: deadLetterQueue, role: 'dead_letter', arguments: keepForever },
    { name: deadLetterEventsQueue, role: 'dead_letter_events', arguments: keepForever },
    // A webhook that keeps failing is retried through the delay cascade until its window ends,
    // never dead-lettered (the dead-letter queue holds tasks).
    { name: callbackQueue, role: 'callbacks', arguments: keepForever },
  );
  bindings.push(
    { destinationType: 'queue', destination: callbackQueue, source: taskExchange, pattern: CALLBACK_ROUTING_KEY },
    { destinationType: 'queue', destination: callbackQueue, source: delayOutExchange, pattern: `#.${CALLBACK_ROUTING_KEY}` },
  );
  bindings.push(
    { destinationType: 'queue', destination: deadLetterQueue, source: deadLetterExchange, pattern: '' },
    { destinationType: 'queue', destination: deadLetterEventsQueue, source: deadLetterExchange, pattern: '' },
  );

  // Delayed retries without head-of-line blocking: a queue with a fixed TTL expires in FIFO
  // order, so each level holds messages for one fixed time and a message visits the levels whose
  // bit is set in its delay. Routing key: one 0/1 word per level (highest first), then task type.
  for (let level = DELAY_LEVELS - 1; level >= 0; level--) {
    const exchange = delayExchange(prefix, level);
    const next = level === 0 ? delayOutExchange : delayExchange(prefix, level - 1);
    const skip = '*.'.repeat(DELAY_LEVELS - 1 - level);
    exchanges.push({ name: exchange, type: 'topic' });
    queues.push({
      name: exchange,
      role: 'delay',
      delayLevel: level,
      arguments: {
        ...QUORUM_WITH_DEAD_LETTERS,
        'x-message-ttl': DELAY_UNIT_MS * 2 ** level,
        'x-dead-letter-exchange': next,
      },
    });
    bindings.push({ destinationType: 'queue', destination: exchange, source: exchange, pattern: `${skip}1.#` });
    bindings.push({ destinationType: 'exchange', destination: next, source: exchange, pattern: `${skip}0.#` });
  }

  return {
    prefix,
    exchanges,
    queues,
    bindings,
    taskExchange,
    deadLetterExchange,
    deadLetterQueue,
    deadLetterEventsQueue,
    delayEntryExchange: delayExchange(prefix, DELAY_LEVELS - 1),
    workQueues,
    highWorkQueues,
    callbackQueue,
    delay: { unitMs: DELAY_UNIT_MS, levels: DELAY_LEVELS },
  };
}

/** The routing key of a task's work queue on the task exchange: its type, `.high` for high priority. */
export function workRoutingKey(taskType: TaskType, priority: TaskPriority | undefined): string {
  return priority === 'high' ? `${taskType}.high` : taskType;
}

/**
 * The routing key that sends a message through the delay cascade for `delayMs` (rounded up to
 * the cascade's unit, capped at its maximum) and then on with `destination`: a work routing key
 * (workRoutingKey) or CALLBACK_ROUTING_KEY.
 */
export function delayRoutingKey(delayMs: number, destination: string): string {
  const units = Math.min(Math.max(Math.ceil(delayMs / DELAY_UNIT_MS), 0), 2 ** DELAY_LEVELS - 1);
  const bits: string[] = [];
  for (let level = DELAY_LEVELS - 1; level >= 0; level--) {
    bits.push(Math.floor(units / 2 ** level) % 2 === 1 ? '1' : '0');
  }
  return `${bits.join('.')}.${destination}`;
}
