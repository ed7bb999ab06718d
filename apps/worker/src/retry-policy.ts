import { classifyError, type ErrorCode } from '@offload/contracts';

export interface RetryLimits {
  /** Attempts allowed in all, the first included. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export type RetryDecision =
  | { action: 'retry'; delayMs: number; code: ErrorCode; message: string }
  | { action: 'dead_letter'; code: ErrorCode; message: string };

/**
 * The single place that decides retry or dead-letter. Branches on the error's `retryable` and
 * `code` fields, never on message text. `attempt` is the attempt that just failed (1-based).
 * Delay: exponential from `baseDelayMs`, capped, with "equal jitter" (half fixed, half random),
 * so retries of many tasks that failed together spread out but never come back instantly.
 */
export function decideRetry(error: unknown, attempt: number, limits: RetryLimits, random: () => number = Math.random): RetryDecision {
  const { code, retryable, message } = classifyError(error);
  if (!retryable) {
    return { action: 'dead_letter', code: code ?? 'handler_failed', message };
  }
  if (attempt >= limits.maxAttempts) {
    return {
      action: 'dead_letter',
      code: 'attempts_exhausted',
      message: `failed on all ${limits.maxAttempts} attempts; last error (${code ?? 'handler_failed'}): ${message}`,
    };
  }
  const ceiling = Math.min(limits.maxDelayMs, limits.baseDelayMs * 2 ** (attempt - 1));
  const delayMs = Math.round(ceiling / 2 + (ceiling / 2) * random());
  return { action: 'retry', delayMs, code: code ?? 'handler_failed', message };
}
