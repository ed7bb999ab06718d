import type { Json } from '@duckdb/node-api';
import type { ColumnType } from '@offload/contracts';
import type { EngineSession, Lane } from './duckdb-session';
import { toCount, toNumber, toScalar } from './json-values';
import { ident } from './sql';

export interface ColumnSpec {
  name: string;
  type: ColumnType;
}

/** Aggregates per statement when many columns share one scan. */
const AGGREGATES_PER_STATEMENT = 250;

/**
 * Runs streaming aggregates (no sort, no hash table: bounded memory whatever the rows) over the
 * table, as few scans as possible, and returns their values in the order given.
 */
export async function aggregateScan(session: EngineSession, aggregates: readonly string[], lane: Lane): Promise<Json[]> {
  const values: Json[] = [];
  for (let start = 0; start < aggregates.length; start += AGGREGATES_PER_STATEMENT) {
    const batch = aggregates.slice(start, start + AGGREGATES_PER_STATEMENT);
    const [row] = await session.query(`SELECT ${batch.map((a, k) => `${a} AS a${k}`).join(', ')} FROM t`, lane);
    batch.forEach((_, k) => values.push(row?.[`a${k}`] ?? null));
  }
  return values;
}

/** A column's value as offload reports it in text: a timestamp as ISO 8601 with a T. */
function asText(column: ColumnSpec, value: string): string {
  return column.type === 'timestamp' ? `replace(${value}::VARCHAR, ' ', 'T')` : `${value}::VARCHAR`;
}

/**
 * The streaming aggregates of one column (for aggregateScan): count for all; mean, std, min and
 * max for numbers; first and last for timestamps.
 */
export function summaryAggregates(column: ColumnSpec): string[] {
  const c = ident(column.name);
  if (column.type === 'integer' || column.type === 'number') {
    return [`count(${c})`, `avg(${c}::DOUBLE)`, `stddev_samp(${c}::DOUBLE)`, `min(${c})::DOUBLE`, `max(${c})::DOUBLE`];
  }
  if (column.type === 'timestamp') return [`count(${c})`, asText(column, `min(${c})`), asText(column, `max(${c})`)];
  return [`count(${c})`];
}

export interface NumericSummary {
  count: number;
  mean: number | null;
  std: number | null;
  min: number | null;
  max: number | null;
}

/** Reads summaryAggregates' values of a numeric column. */
export function numericSummary(values: readonly Json[]): NumericSummary {
  return { count: toCount(values[0]), mean: toNumber(values[1]), std: toNumber(values[2]), min: toNumber(values[3]), max: toNumber(values[4]) };
}

/**
 * Exact quartiles (linear interpolation, as pandas) of a numeric column. The engine holds the
 * column's values while it computes them: one column per statement keeps that bounded.
 */
export async function quartiles(session: EngineSession, column: ColumnSpec, lane: Lane): Promise<(number | null)[]> {
  const c = ident(column.name);
  const [row] = await session.query(`SELECT quantile_cont(${c}::DOUBLE, [0.25, 0.5, 0.75]) AS q FROM t`, lane);
  const q = Array.isArray(row?.q) ? row.q : [];
  return [toNumber(q[0]), toNumber(q[1]), toNumber(q[2])];
}

export interface Frequencies {
  unique: number;
  top: string | number | boolean | null;
  freq: number;
}

/**
 * unique, top and freq of a non-numeric column in one grouping of its values. Ties for top go to
 * the smallest value as text, which is computed for the tied values only.
 */
export async function frequencies(session: EngineSession, column: ColumnSpec, lane: Lane): Promise<Frequencies> {
  const c = ident(column.name);
  // Positions, not aliases, in GROUP BY and ORDER BY, so a dataset column named like an alias
  // cannot take their place; the outer statements only see the CTEs' own columns.
  const [row] = await session.query(
    `WITH g AS MATERIALIZED (SELECT ${c} AS v, count(*) AS f FROM t WHERE ${c} IS NOT NULL GROUP BY 1),
          m AS (SELECT count(*) AS u, max(f) AS f FROM g)
     SELECT m.u AS u, m.f AS f, top.v AS v, top.text AS text
     FROM m LEFT JOIN (SELECT g.v AS v, ${asText(column, 'g.v')} AS text FROM g, m WHERE g.f = m.f ORDER BY 2 LIMIT 1) AS top ON true`,
    lane,
  );
  const found = row !== undefined && row.text !== null && row.text !== undefined;
  return {
    unique: toCount(row?.u),
    top: !found ? null : column.type === 'boolean' ? toScalar(row.v) : toScalar(row.text),
    freq: found ? toCount(row.f) : 0,
  };
}
