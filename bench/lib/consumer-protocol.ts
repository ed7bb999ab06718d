// The IPC protocol between the bench and a consumer process (offload worker, raw amqplib, BullMQ).
// A consumer counts completed tasks (acked / moved to completed) and keeps the publish→handler
// latency of each; the bench resets it before a run and asks for the report after.

/** Parent → consumer. */
export type ConsumerCommand = { type: 'reset' } | { type: 'report' };

/** Consumer → parent. */
export type ConsumerMessage =
  | { type: 'ready' }
  | { type: 'reset' }
  /** Sent at most every PROGRESS_INTERVAL_MS while tasks complete. */
  | { type: 'progress'; completed: number; lastAt: number }
  | { type: 'report'; completed: number; lastAt: number; latenciesMs: number[] };

export const PROGRESS_INTERVAL_MS = 20;

/**
 * The consumer side: call `handled(sentAt)` when a handler starts (sentAt is the publish time the
 * task carries) and `completed()` when the task is settled.
 */
export function reportToParent(): { handled(sentAtMs: number): void; completed(): void; ready(): void } {
  const send = (message: ConsumerMessage) => process.send?.(message);
  let completed = 0;
  let lastAt = 0;
  let dirty = false;
  let latenciesMs: number[] = [];
  setInterval(() => {
    if (!dirty) return;
    dirty = false;
    send({ type: 'progress', completed, lastAt });
  }, PROGRESS_INTERVAL_MS).unref();
  process.on('message', (command: ConsumerCommand) => {
    if (command.type === 'reset') {
      completed = 0;
      lastAt = 0;
      dirty = false;
      latenciesMs = [];
      send({ type: 'reset' });
    } else {
      send({ type: 'report', completed, lastAt, latenciesMs });
    }
  });
  return {
    handled(sentAtMs) {
      latenciesMs.push(performance.timeOrigin + performance.now() - sentAtMs);
    },
    completed() {
      completed += 1;
      lastAt = performance.timeOrigin + performance.now();
      dirty = true;
    },
    ready: () => send({ type: 'ready' }),
  };
}
