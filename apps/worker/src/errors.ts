import { OffloadError, type ErrorCode } from '@offload/contracts';

/** The input is at fault (corrupt image, unparsable data, a limit exceeded): retrying cannot help. */
export class PermanentTaskError extends OffloadError {
  constructor(code: ErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(code, message, { ...options, retryable: false });
    this.name = 'PermanentTaskError';
  }
}

/** A passing fault (a dependency down, a resource busy): retry later with backoff. */
export class TransientTaskError extends OffloadError {
  constructor(code: ErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(code, message, { ...options, retryable: true });
    this.name = 'TransientTaskError';
  }
}

/** The handler ran past its task type's time limit and was aborted. Retryable. */
export class TaskTimeoutError extends OffloadError {
  constructor(limitMs: number) {
    super('task_timeout', `the task exceeded its time limit of ${limitMs} ms`, { retryable: true });
    this.name = 'TaskTimeoutError';
  }
}
