import { createHash } from 'node:crypto';
import type { Request } from 'express';
import { validationProblem } from './http-errors';

const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

/** The request's `Idempotency-Key` (1–255 visible ASCII characters), or undefined when absent. */
export function idempotencyKey(req: Request): string | undefined {
  const value = req.get('idempotency-key');
  if (value === undefined) return undefined;
  if (!KEY_PATTERN.test(value)) {
    throw validationProblem([
      { path: 'headers.idempotency-key', message: 'must be 1–255 visible ASCII characters (a UUID is a good choice)', code: 'invalid_format' },
    ]);
  }
  return value;
}

/** JSON with object keys sorted at every level, so equal values always serialise the same. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** What identifies "the same request" for an Idempotency-Key: the route and what it asked for. */
export function requestFingerprint(route: string, request: unknown): string {
  return createHash('sha256').update(route).update('\n').update(canonicalJson(request)).digest('hex');
}
