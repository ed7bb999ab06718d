import type { Json } from '@duckdb/node-api';

/** A finite number from a DuckDB JSON value (BIGINTs arrive as text), else null. */
export function toNumber(value: Json | undefined): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string' && value.trim() !== '') {
    const n = Number(value);
    return Number.isFinite(n) ? n : null;
  }
  return null;
}

export function toCount(value: Json | undefined): number {
  return toNumber(value) ?? 0;
}

/** A scalar for `top` and group values: booleans and numbers as themselves, the rest as text. */
export function toScalar(value: Json | undefined): string | number | boolean | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'boolean' || typeof value === 'number') return value;
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}
