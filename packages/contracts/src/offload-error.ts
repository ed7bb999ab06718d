import { ERROR_CODES, isErrorCode, type ErrorCode } from './error-codes';

export interface OffloadErrorOptions {
  cause?: unknown;
  /** Overrides the code's default from ERROR_CODES. */
  retryable?: boolean;
}

/**
 * The base of every error offload raises on purpose: a stable snake_case `code`, whether a retry
 * can help, and the original error as `cause`.
 */
export class OffloadError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;

  constructor(code: ErrorCode, message: string, options: OffloadErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'OffloadError';
    this.code = code;
    this.retryable = options.retryable ?? ERROR_CODES[code].retryable;
  }
}

/**
 * Reads `code` and `retryable` from any error-shaped value. Decisions branch on these fields,
 * never on `instanceof` alone: errors cross duplicate package copies and serialisation.
 */
export function classifyError(err: unknown): { code: ErrorCode | undefined; retryable: boolean; message: string } {
  if (typeof err === 'object' && err !== null) {
    const code: unknown = Reflect.get(err, 'code');
    const retryable: unknown = Reflect.get(err, 'retryable');
    const message: unknown = Reflect.get(err, 'message');
    return {
      code: isErrorCode(code) ? code : undefined,
      // An error nobody classified is retryable, up to the per-type attempt cap.
      retryable: typeof retryable === 'boolean' ? retryable : isErrorCode(code) ? ERROR_CODES[code].retryable : true,
      message: typeof message === 'string' ? message : safeString(err),
    };
  }
  return { code: undefined, retryable: true, message: String(err) };
}

/**
 * `String(value)`, or `[object Object]` for an object that cannot become a string (no prototype,
 * a `toString` that throws): classifying an error must not throw one of its own.
 */
function safeString(value: object): string {
  try {
    return String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}
