/** First redelivery delay of a webhook; doubles per attempt. */
export const CALLBACK_BASE_DELAY_MS = 1_000;
/** Longest wait between two attempts of one webhook. */
export const CALLBACK_MAX_DELAY_MS = 60 * 60 * 1000;

export interface CallbackRetryPolicy {
  /** How long after the task finished a failed webhook is still retried (CALLBACK_RETRY_FOR_MS). */
  retryForMs: number;
  /** @defaultValue CALLBACK_BASE_DELAY_MS */
  baseDelayMs?: number;
}

/**
 * After attempt number `attempt` (1 for the first) failed at `nowMs`: retry after `delayMs`, or
 * give up once the retry window since `finishedMs` has ended. Exponential (1 s, 2 s, 4 s … 1 h)
 * with equal jitter, as task retries: half fixed, half random, so receivers that failed together
 * are not retried together.
 */
export function nextCallbackAttempt(
  attempt: number,
  finishedMs: number,
  nowMs: number,
  policy: CallbackRetryPolicy,
  random: () => number = Math.random,
): { retry: true; delayMs: number } | { retry: false } {
  if (nowMs - finishedMs >= policy.retryForMs) return { retry: false };
  const ceiling = Math.min(CALLBACK_MAX_DELAY_MS, (policy.baseDelayMs ?? CALLBACK_BASE_DELAY_MS) * 2 ** Math.min(Math.max(attempt - 1, 0), 30));
  return { retry: true, delayMs: Math.round(ceiling / 2 + (ceiling / 2) * random()) };
}
