import { describe, expect, it } from '@jest/globals';
import { TASK_TYPES, type TaskType } from './task-types/index';
import {
  CALLBACK_ROUTING_KEY,
  workRoutingKey,
  BROKER_DELIVERY_LIMIT,
  DEFAULT_PREFIX,
  DELAY_LEVELS,
  DELAY_UNIT_MS,
  MAX_DELAY_MS,
  buildTopology,
  delayRoutingKey,
  type Topology,
} from './topology';

/** AMQP topic matching: `*` is exactly one word, `#` is zero or more words. */
function topicMatches(pattern: string, routingKey: string): boolean {
  const match = (p: readonly string[], k: readonly string[]): boolean => {
    const [head, ...rest] = p;
    if (head === undefined) {
      return k.length === 0;
    }
    if (head === '#') {
      return k.some((_, i) => match(rest, k.slice(i))) || match(rest, []);
    }
    const [word, ...tail] = k;
    return word !== undefined && (head === '*' || head === word) && match(rest, tail);
  };
  return match(pattern.split('.'), routingKey.split('.'));
}

interface Arrival {
  queue: string;
  ttlMs: number;
}

/**
 * Follows a message through exchanges, bindings and dead-lettering (delay queues expire into
 * their dead-letter exchange with the same routing key) until it rests in a non-delay queue.
 */
function route(topology: Topology, exchange: string, routingKey: string, ttlSoFar = 0): Arrival[] {
  const spec = topology.exchanges.find((e) => e.name === exchange);
  if (spec === undefined) {
    throw new Error(`unknown exchange ${exchange}`);
  }
  const matching = topology.bindings.filter(
    (b) =>
      b.source === exchange &&
      (spec.type === 'fanout' || (spec.type === 'direct' ? b.pattern === routingKey : topicMatches(b.pattern, routingKey))),
  );
  return matching.flatMap((binding): Arrival[] => {
    if (binding.destinationType === 'exchange') {
      return route(topology, binding.destination, routingKey, ttlSoFar);
    }
    const queue = topology.queues.find((q) => q.name === binding.destination);
    if (queue === undefined) {
      throw new Error(`unknown queue ${binding.destination}`);
    }
    if (queue.role !== 'delay') {
      return [{ queue: queue.name, ttlMs: ttlSoFar }];
    }
    const ttl = queue.arguments['x-message-ttl'];
    const next = queue.arguments['x-dead-letter-exchange'];
    if (typeof ttl !== 'number' || typeof next !== 'string') {
      throw new Error(`delay queue ${queue.name} lacks a TTL or a dead-letter exchange`);
    }
    return route(topology, next, routingKey, ttlSoFar + ttl);
  });
}

describe('topicMatches (test helper)', () => {
  it.each<[string, string, boolean]>([
    ['#', '', true],
    ['#', 'a.b.c', true],
    ['*', 'a', true],
    ['*', 'a.b', false],
    ['*.1.#', '0.1', true],
    ['*.1.#', '0.1.0.watermark', true],
    ['*.1.#', '0.0.1', false],
    ['#.watermark', 'watermark', true],
    ['#.watermark', '1.0.watermark', true],
    ['#.watermark', '1.0.analysis', false],
  ])('matches %j against %j as RabbitMQ does: %p', (pattern, key, expected) => {
    expect(topicMatches(pattern, key)).toBe(expected);
  });
});

describe('buildTopology', () => {
  const topology = buildTopology('test-1234');

  it('prefixes every exchange and queue name when given a prefix', () => {
    const names = [
      ...topology.exchanges.map((e) => e.name),
      ...topology.queues.map((q) => q.name),
      ...topology.bindings.flatMap((b) => [b.source, b.destination]),
    ];
    expect(names.length).toBeGreaterThan(0);
    for (const name of names) {
      expect(name.startsWith('test-1234.')).toBe(true);
    }
  });

  it('uses the default prefix when given none', () => {
    expect(buildTopology().prefix).toBe(DEFAULT_PREFIX);
    expect(buildTopology().taskExchange).toBe(`${DEFAULT_PREFIX}.tasks`);
  });

  it.each(['', 'a.b', '-leading-dash', 'has space', 'x'.repeat(65), 'a/b', 'é'])(
    'throws a RangeError when the prefix is %j',
    (prefix) => {
      expect(() => buildTopology(prefix)).toThrow(RangeError);
    },
  );

  it('declares the queue type explicitly when declaring any queue', () => {
    for (const queue of topology.queues) {
      expect(queue.arguments['x-queue-type']).toBe('quorum');
    }
  });

  it('refers only to declared exchanges and queues when binding or dead-lettering', () => {
    const exchanges = new Set(topology.exchanges.map((e) => e.name));
    const queues = new Set(topology.queues.map((q) => q.name));
    for (const binding of topology.bindings) {
      expect(exchanges.has(binding.source)).toBe(true);
      expect((binding.destinationType === 'queue' ? queues : exchanges).has(binding.destination)).toBe(true);
    }
    for (const queue of topology.queues) {
      const deadLetterExchange = queue.arguments['x-dead-letter-exchange'];
      if (deadLetterExchange !== undefined) {
        expect(exchanges.has(String(deadLetterExchange))).toBe(true);
      }
    }
  });

  it('gives each task type its own work queue that dead-letters safely to the fanout exchange', () => {
    const deadLetterExchange = topology.exchanges.find((e) => e.name === topology.deadLetterExchange);
    expect(deadLetterExchange?.type).toBe('fanout');

    for (const taskType of TASK_TYPES) {
      const queue = topology.queues.find((q) => q.name === topology.workQueues[taskType]);
      expect(queue).toMatchObject({ role: 'work', taskType });
      expect(queue?.arguments).toEqual({
        'x-queue-type': 'quorum',
        'x-dead-letter-exchange': topology.deadLetterExchange,
        'x-dead-letter-strategy': 'at-least-once',
        'x-overflow': 'reject-publish',
        'x-delivery-limit': BROKER_DELIVERY_LIMIT,
      });
    }
    expect(new Set(Object.values(topology.workQueues)).size).toBe(TASK_TYPES.length);
  });

  it.each(TASK_TYPES)('routes %s tasks from the task exchange to their work queue only', (taskType) => {
    expect(route(topology, topology.taskExchange, taskType)).toEqual([{ queue: topology.workQueues[taskType], ttlMs: 0 }]);
  });

  it.each(TASK_TYPES)('routes high-priority %s tasks, at once or after a delay, to its high queue only', (taskType) => {
    const key = workRoutingKey(taskType, 'high');
    expect(route(topology, topology.taskExchange, key)).toEqual([{ queue: topology.highWorkQueues[taskType], ttlMs: 0 }]);
    expect(route(topology, topology.delayEntryExchange, delayRoutingKey(300, key))).toEqual([{ queue: topology.highWorkQueues[taskType], ttlMs: 300 }]);
    expect(workRoutingKey(taskType, 'normal')).toBe(taskType);
  });

  it('routes webhook deliveries, at once or after a delay, to the callback queue only', () => {
    expect(route(topology, topology.taskExchange, CALLBACK_ROUTING_KEY)).toEqual([{ queue: topology.callbackQueue, ttlMs: 0 }]);
    expect(route(topology, topology.delayEntryExchange, delayRoutingKey(1_000, CALLBACK_ROUTING_KEY))).toEqual([{ queue: topology.callbackQueue, ttlMs: 1_000 }]);
  });

  it('copies every dead letter to the dead-letter queue and the events queue', () => {
    const arrivals = route(topology, topology.deadLetterExchange, 'any.key').map((a) => a.queue);
    expect(arrivals.sort()).toEqual([topology.deadLetterQueue, topology.deadLetterEventsQueue].sort());
  });

  it('holds each delay level for the unit times two to the level when building the cascade', () => {
    const delayQueues = topology.queues.filter((q) => q.role === 'delay');
    expect(delayQueues).toHaveLength(DELAY_LEVELS);
    for (const queue of delayQueues) {
      expect(queue.arguments['x-message-ttl']).toBe(DELAY_UNIT_MS * 2 ** (queue.delayLevel ?? Number.NaN));
      expect(queue.arguments['x-dead-letter-strategy']).toBe('at-least-once');
      expect(queue.arguments['x-overflow']).toBe('reject-publish');
    }
  });

  const delays = [0, 1, 99, 100, 101, 250, 1_000, 12_345, 60_000, 3_600_000, MAX_DELAY_MS - 1, MAX_DELAY_MS];
  const cases = delays.flatMap((delayMs) => TASK_TYPES.map((taskType): [number, TaskType] => [delayMs, taskType]));

  it.each(cases)('delays %d ms (rounded up to the unit) then reaches the %s queue', (delayMs, taskType) => {
    const arrivals = route(topology, topology.delayEntryExchange, delayRoutingKey(delayMs, taskType));

    expect(arrivals).toEqual([
      { queue: topology.workQueues[taskType], ttlMs: Math.ceil(delayMs / DELAY_UNIT_MS) * DELAY_UNIT_MS },
    ]);
  });
});

describe('delayRoutingKey', () => {
  it('caps the delay at MAX_DELAY_MS when asked for longer', () => {
    const key = delayRoutingKey(MAX_DELAY_MS * 10, 'analysis');

    expect(key).toBe(delayRoutingKey(MAX_DELAY_MS, 'analysis'));
    expect(key).toBe(`${Array.from({ length: DELAY_LEVELS }, () => '1').join('.')}.analysis`);
    const topology = buildTopology('cap');
    expect(route(topology, topology.delayEntryExchange, key)).toEqual([
      { queue: topology.workQueues.analysis, ttlMs: MAX_DELAY_MS },
    ]);
  });

  it('sends the message straight through when the delay is negative', () => {
    expect(delayRoutingKey(-5_000, 'watermark')).toBe(delayRoutingKey(0, 'watermark'));
  });

  it('writes one word per level and then the task type when building a key', () => {
    const words = delayRoutingKey(DELAY_UNIT_MS * 5, 'watermark').split('.');
    expect(words).toHaveLength(DELAY_LEVELS + 1);
    expect(words.slice(-4)).toEqual(['1', '0', '1', 'watermark']);
  });
});

/**
 * The deployed topology, pinned. Every API and worker declares these queues on every (re)connect,
 * and RabbitMQ answers a declare whose arguments differ from the existing queue's with 406
 * PRECONDITION_FAILED and closes the channel: a changed argument (or queue type, or exchange
 * type) stops every process of a running installation until someone deletes and recreates the
 * queue, losing what it held. So this snapshot fails on any change. If the change is meant, it
 * needs a migration step in the README and a CHANGELOG entry under a new major version, and only
 * then `npx jest -u`. New task types add queues and bindings here; that is safe (nothing existing
 * changes) and only needs the snapshot updated.
 */
describe('buildTopology (deployed arguments)', () => {
  const topology = buildTopology(DEFAULT_PREFIX);

  it('declares the same exchanges as the last release when given the default prefix', () => {
    expect(topology.exchanges).toMatchSnapshot();
  });

  it('declares every queue with the same name and arguments as the last release when given the default prefix', () => {
    expect(topology.queues).toMatchSnapshot();
  });

  it('binds the same way as the last release when given the default prefix', () => {
    expect(topology.bindings).toMatchSnapshot();
  });
});
