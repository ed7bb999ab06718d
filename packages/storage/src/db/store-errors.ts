import { OffloadError } from '@offload/contracts';

/** The record database did not answer (PostgreSQL away, SQLite locked past its wait): retry later. */
export class RecordStoreUnavailableError extends OffloadError {
  constructor(cause: unknown) {
    super('store_unavailable', 'the record database is unavailable; retry later', { cause, retryable: true });
    this.name = 'RecordStoreUnavailableError';
  }
}

function codeOf(err: unknown): unknown {
  return typeof err === 'object' && err !== null ? Reflect.get(err, 'code') : undefined;
}

/** SQLite's "database is locked" family: another process held the write lock past busy_timeout. */
export function isBusy(err: unknown): boolean {
  const code = codeOf(err);
  return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
}

/** PostgreSQL error classes that mean the server (not the statement) is at fault. */
const PG_UNAVAILABLE_CLASSES = ['08', '53', '57P'];
/** Node's socket errors. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

/**
 * True when a failed statement says nothing about the data: the database was away or busy. Such
 * a failure is retryable; a client sees 503, never 500.
 */
export function isUnavailable(err: unknown): boolean {
  if (isBusy(err)) return true;
  const code = codeOf(err);
  if (typeof code === 'string' && (NETWORK_CODES.has(code) || PG_UNAVAILABLE_CLASSES.some((c) => code.startsWith(c)))) return true;
  const message = err instanceof Error ? err.message : '';
  // pg's own errors for a pool or client that lost its server carry no code.
  return /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|Cannot use a pool after calling end/i.test(message);
}

/** Runs a database call; a failure that only means "the database is away" becomes RecordStoreUnavailableError. */
export async function guarded<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw isUnavailable(err) ? new RecordStoreUnavailableError(err) : err;
  }
}
