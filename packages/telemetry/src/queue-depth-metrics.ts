import { Gauge, type Registry } from 'prom-client';

/** One work queue's depth; null where the broker did not say (AMQP knows no unacked count). */
export interface WorkQueueDepth {
  taskType: string;
  /** Which of the type's queues: `normal`, or `high` (priority high). */
  queue: 'normal' | 'high';
  ready: number | null;
  unacked: number | null;
}

export interface QueueDepthSnapshot {
  work: WorkQueueDepth[];
  /** The dead-letter queue's depth. */
  deadLetters: { ready: number | null; unacked: number | null };
}

export interface QueueDepthMetricsOptions {
  registry: Registry;
  /** Reads the depths (the broker's management API, else AMQP). Should not throw; a throw reads as unknown. */
  read: () => Promise<QueueDepthSnapshot>;
  /** A scrape waits this long for a read, then shows the last values it has. @defaultValue 2 000 */
  timeoutMs?: number;
  /** A read this young answers the next scrape too (several Prometheus replicas, a fast interval). @defaultValue 5 000 */
  cacheMs?: number;
  /** @defaultValue Date.now */
  now?: () => number;
}

/**
 * `offload_queue_messages{task_type, queue, state}` and `offload_dead_letter_messages{state}`, read from
 * the broker when Prometheus scrapes: at most one read at a time, reused for `cacheMs`, and a
 * scrape never waits longer than `timeoutMs` (it shows the last values known, or none).
 */
export function registerQueueDepthMetrics(options: QueueDepthMetricsOptions): void {
  const timeoutMs = options.timeoutMs ?? 2_000;
  const cacheMs = options.cacheMs ?? 5_000;
  const now = options.now ?? Date.now;
  let last: { atMs: number; snapshot: QueueDepthSnapshot } | undefined;
  let reading: Promise<void> | undefined;

  const refresh = (): Promise<void> => {
    reading ??= options
      .read()
      .then(
        (snapshot) => {
          last = { atMs: now(), snapshot };
        },
        () => {
          last = undefined;
        },
      )
      .finally(() => {
        reading = undefined;
      });
    return reading;
  };

  const fresh = async (): Promise<QueueDepthSnapshot | undefined> => {
    if (last === undefined || now() - last.atMs >= cacheMs) {
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
        timer.unref();
      });
      await Promise.race([refresh(), deadline]).finally(() => clearTimeout(timer));
    }
    return last?.snapshot;
  };

  new Gauge({
    name: 'offload_queue_messages',
    help: "Messages in each task type's work queues (queue normal or high), state ready or unacked; read from RabbitMQ at scrape time",
    labelNames: ['task_type', 'queue', 'state'],
    registers: [options.registry],
    async collect() {
      const snapshot = await fresh();
      this.reset();
      for (const q of snapshot?.work ?? []) {
        if (q.ready !== null) this.set({ task_type: q.taskType, queue: q.queue, state: 'ready' }, q.ready);
        if (q.unacked !== null) this.set({ task_type: q.taskType, queue: q.queue, state: 'unacked' }, q.unacked);
      }
    },
  });
  new Gauge({
    name: 'offload_dead_letter_messages',
    help: 'Messages in the dead-letter queue, state ready or unacked; read from RabbitMQ at scrape time',
    labelNames: ['state'],
    registers: [options.registry],
    async collect() {
      const snapshot = await fresh();
      this.reset();
      const dead = snapshot?.deadLetters;
      if (dead !== undefined && dead.ready !== null) this.set({ state: 'ready' }, dead.ready);
      if (dead !== undefined && dead.unacked !== null) this.set({ state: 'unacked' }, dead.unacked);
    },
  });
}
