import type { Delivery } from '@offload/broker';

/** The reason a running task's release signal is aborted with. */
export class ReleaseSignal extends Error {
  constructor() {
    super('the worker is shutting down');
    this.name = 'ReleaseSignal';
  }
}

export interface DeliveryPumpOptions {
  /** Deliveries handled at once. */
  concurrency: number;
  /**
   * Runs one delivery through to its settlement. `release` is aborted (with a ReleaseSignal)
   * when a shutdown's grace period ends. Rejects when the delivery could not be settled.
   */
  handle(delivery: Delivery, release: AbortSignal): Promise<void>;
  /** Settles a delivery `handle` could not settle; `draining` says whether a shutdown began. */
  recover(delivery: Delivery, err: unknown, release: AbortSignal, draining: boolean): Promise<void>;
  /** Hands a delivery that never started back to the broker (on shutdown). */
  releaseUnstarted(delivery: Delivery): Promise<void>;
  /** Deliveries that go ahead of every waiting one that is not (high priority). @defaultValue none */
  isUrgent?: (delivery: Delivery) => boolean;
}

export interface DeliveryPump {
  /** Handles the delivery when a slot is free; during a drain, hands it straight back. */
  push(delivery: Delivery): void;
  /** Releases waiting deliveries, lets running ones finish for `graceMs`, then releases the rest. */
  drain(graceMs: number): Promise<void>;
  /** Deliveries being handled now. */
  readonly running: number;
}

/**
 * A waiting list (urgent deliveries first) and at most `concurrency` deliveries in hand, drained on
 * shutdown. Each consumer's prefetch keeps a few deliveries of every queue here, so an urgent one
 * starts at the next free slot whatever backlog its normal queue holds.
 */
export function createDeliveryPump(options: DeliveryPumpOptions): DeliveryPump {
  const waiting: Delivery[] = [];
  const running = new Map<Delivery, { release: AbortController; done: Promise<void> }>();
  let draining = false;

  function pump(): void {
    while (!draining && running.size < options.concurrency) {
      const delivery = waiting.shift();
      if (!delivery) return;
      const release = new AbortController();
      const done = options
        .handle(delivery, release.signal)
        .catch((err: unknown) => options.recover(delivery, err, release.signal, draining))
        .finally(() => {
          running.delete(delivery);
          pump();
        });
      running.set(delivery, { release, done });
    }
  }

  return {
    push(delivery) {
      if (draining) {
        void options.releaseUnstarted(delivery);
        return;
      }
      if (options.isUrgent?.(delivery) === true) {
        // Behind the urgent ones already waiting, ahead of the rest.
        const firstOrdinary = waiting.findIndex((d) => options.isUrgent?.(d) !== true);
        waiting.splice(firstOrdinary === -1 ? waiting.length : firstOrdinary, 0, delivery);
      } else {
        waiting.push(delivery);
      }
      pump();
    },
    async drain(graceMs) {
      draining = true;
      await Promise.all(waiting.splice(0).map((delivery) => options.releaseUnstarted(delivery)));
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
