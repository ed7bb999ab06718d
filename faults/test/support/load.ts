import { setTimeout as sleep } from 'node:timers/promises';
import type { ApiClient, ReadAnswer, Submission } from './api-client';

/** An answer with when its request was sent and answered (Date.now()), and which API took it. */
export interface Timed<T> {
  readonly answer: T;
  readonly api: number;
  readonly sentAt: number;
  readonly answeredAt: number;
}

export interface LoadOptions {
  /** Requests in flight at once, each lane one after another. */
  lanes: number;
  /** Pause between two requests of a lane. */
  pauseMs: number;
}

/** Requests sent in the background until `stop`; every answer is kept with its timing. */
export interface Load<T> {
  /** Every answer so far, in the order they came. */
  readonly answers: readonly Timed<T>[];
  /** Stops sending and waits for the requests under way. */
  stop(): Promise<void>;
}

/** A lane with nothing to send yet looks again after this long. */
const IDLE_MS = 10;

/**
 * Runs `request` in `lanes` lanes until stopped, spreading requests over `apis` in turn. `request`
 * gets the request's sequence number and the API, and answers undefined when it had nothing to
 * send; it must not throw (the clients never do).
 */
export function runLoad<T>(apis: readonly ApiClient[], options: LoadOptions, request: (n: number, api: ApiClient) => Promise<T | undefined>): Load<T> {
  const answers: Timed<T>[] = [];
  let stopped = false;
  let sent = 0;
  const lane = async () => {
    while (!stopped) {
      const n = sent++;
      const index = n % apis.length;
      const api = apis[index];
      if (api === undefined) throw new Error(`no API ${index}`);
      const sentAt = Date.now();
      const answer = await request(n, api);
      if (answer === undefined) {
        await sleep(IDLE_MS);
        continue;
      }
      answers.push({ answer, api: index, sentAt, answeredAt: Date.now() });
      if (options.pauseMs > 0 && !stopped) await sleep(options.pauseMs);
    }
  };
  const lanes = Array.from({ length: options.lanes }, lane);
  return {
    answers,
    async stop() {
      stopped = true;
      await Promise.all(lanes);
    },
  };
}

/** A submission with what was sent: its fault script and whether it had an Idempotency-Key. */
export type SentSubmission = Submission & { script: string; keyed: boolean };

/** Submissions of tasks: `script(n)` is the n-th task's fault script; `keyed(n)` whether it sends an Idempotency-Key. */
export function submitLoad(
  apis: readonly ApiClient[],
  imageKey: string,
  options: LoadOptions & { script: (n: number) => string; keyed?: (n: number) => boolean },
): Load<SentSubmission> {
  return runLoad(apis, options, async (n, api) => {
    const keyed = options.keyed?.(n) ?? true;
    const script = options.script(n);
    return { ...(await api.submit(imageKey, script, { idempotencyKey: keyed })), script, keyed };
  });
}

/** Reads of task records, GET /v1/tasks/<id> of an id `pick` chooses among the accepted ones (none yet: no read). */
export function readLoad(apis: readonly ApiClient[], options: LoadOptions & { pick: () => string | undefined }): Load<ReadAnswer & { id: string }> {
  return runLoad(apis, options, async (_n, api) => {
    const id = options.pick();
    return id === undefined ? undefined : { ...(await api.read(id)), id };
  });
}

/** Tallies answers by a label (a status, an outcome and code): `{ 202: 310, '503 store_unavailable': 4 }`. */
export function tally<T>(answers: readonly Timed<T>[], label: (answer: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const { answer } of answers) {
    const key = label(answer);
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}
