import { classifyError, type ErrorCode } from '@offload/contracts';

export interface RetryLimits {
  /** Attempts allowed in all, the first included. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export type RetryDecision =
  /** `message` is for the task record: in the client's terms, never a server path. */
  | { action: 'retry'; delayMs: number; code: ErrorCode; message: string }
  /**
   * `inputFault`: the handler classified the failure as permanent, the input's fault (a corrupt
   * image, bad data): expected, nothing for an operator to fix. `detail` is for the dead-letter
   * entry, which only operators read: the error's own text, whatever it says.
   */
  | { action: 'dead_letter'; code: ErrorCode; message: string; detail: string; inputFault: boolean };

/**
 * The single place that decides retry or dead-letter. Branches on the error's `retryable` and
 * `code` fields, never on message text. `attempt` is the attempt that just failed (1-based).
 * Delay: exponential from `baseDelayMs`, capped, with "equal jitter" (half fixed, half random),
 * so retries of many tasks that failed together spread out but never come back instantly.
 */
export function decideRetry(error: unknown, attempt: number, limits: RetryLimits, random: () => number = Math.random): RetryDecision {
  const { code, retryable, message: detail } = classifyError(error);
  const message = clientMessage(error);
  if (!retryable) {
    return { action: 'dead_letter', code: code ?? 'handler_failed', message, detail, inputFault: code !== undefined };
  }
  if (attempt >= limits.maxAttempts) {
    const exhausted = `failed on all ${limits.maxAttempts} attempts; last error (${code ?? 'handler_failed'}): `;
    return { action: 'dead_letter', code: 'attempts_exhausted', message: exhausted + message, detail: exhausted + detail, inputFault: false };
  }
  const ceiling = Math.min(limits.maxDelayMs, limits.baseDelayMs * 2 ** (attempt - 1));
  const delayMs = Math.round(ceiling / 2 + (ceiling / 2) * random());
  return { action: 'retry', delayMs, code: code ?? 'handler_failed', message };
}

/**
 * What a client may read about a failure. Errors offload raises on purpose (they carry one of its
 * codes) say it in the client's terms already; anything else (a library's error, a file system's
 * ENOENT with its path) is named by its kind only, and its text stays in the worker's log.
 */
export function clientMessage(error: unknown): string {
  const { code, message } = classifyError(error);
  if (code !== undefined) return message;
  const name = error instanceof Error && /^[A-Za-z]{1,40}$/.test(error.name) ? error.name : 'error';
  return `an unexpected ${name} in the handler (the worker's log has the detail)`;
}
