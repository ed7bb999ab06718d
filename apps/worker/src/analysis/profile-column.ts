import type { Json } from '@duckdb/node-api';
import type { ColumnType } from '@offload/contracts';
import type { EngineSession, Lane } from './duckdb-session';
import { binCountsSql, binEdges } from './histogram';
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

const QUARTILES = [0.25, 0.5, 0.75] as const;

/** Rows of the sample that decides how each numeric column's quartiles are computed. */
const SAMPLE_ROWS = 65_536;

/**
 * The numeric columns that repeat their values enough (estimated on a sample of the rows) that
 * counting each distinct value once beats holding every value: a sample of s values with r
 * repeats suggests about s² / 2r distinct values, and one repeat in 64 means ≲ 2 M of them.
 * Only the speed depends on this guess; both ways give the same figures.
 */
export async function repetitiveColumns(session: EngineSession, columns: readonly ColumnSpec[], rowCount: number, lane: Lane): Promise<Set<string>> {
  if (columns.length === 0 || rowCount === 0) return new Set();
  const percent = Math.min(100, (100 * SAMPLE_ROWS) / rowCount);
  const ids = columns.map((c) => ident(c.name));
  const [row] = await session.query(
    `SELECT ${ids.map((c, i) => `count(${c}) AS n${i}, count(DISTINCT ${c}) AS d${i}`).join(', ')}
     FROM (SELECT ${ids.join(', ')} FROM t USING SAMPLE system(${percent.toFixed(6)}%) REPEATABLE (1))`,
    lane,
  );
  return new Set(
    columns
      .filter((_, i) => {
        const n = toCount(row?.[`n${i}`]);
        return n > 0 && (n - toCount(row?.[`d${i}`])) * 64 >= n;
      })
      .map((c) => c.name),
  );
}

export interface CountedStatistics {
  quartiles: (number | null)[];
  histogram: { edges: number[]; counts: number[] } | null;
}

/**
 * Quartiles and histogram of a numeric column from its distinct values and their counts (one
 * grouping, then work on the distinct values only): the values at the positions the quartiles
 * interpolate between, interpolated exactly as the engine's quantile_cont does
 * (lo + (hi − lo) × (RN − ⌊RN⌋), RN = (n − 1) × q), and the bin counts as summed multiplicities.
 */
export async function countedStatistics(session: EngineSession, column: ColumnSpec, summary: NumericSummary, bins: number, lane: Lane): Promise<CountedStatistics> {
  const n = summary.count;
  if (n === 0 || summary.min === null || summary.max === null) return { quartiles: [null, null, null], histogram: null };
  const c = ident(column.name);
  const positions = QUARTILES.map((q) => {
    const rn = (n - 1) * q;
    return { rn, lo: Math.floor(rn), hi: Math.ceil(rn) };
  });
  const wanted = [...new Set(positions.flatMap((p) => [p.lo, p.hi]))];
  const edges = binEdges(summary.min, summary.max, bins);
  // Kind 0: the value at sorted position k; kind 1: bin k holds v values.
  const rows = await session.query(
    `WITH g AS MATERIALIZED (SELECT ${c}::DOUBLE AS x, count(*) AS f FROM t WHERE ${c} IS NOT NULL GROUP BY 1),
          s AS (SELECT x, f, sum(f) OVER (ORDER BY x ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS upto FROM g)
     SELECT 0 AS kind, p.i::DOUBLE AS k, s.x AS v FROM (SELECT unnest([${wanted.join(', ')}]) AS i) AS p JOIN s ON s.upto - s.f <= p.i AND p.i < s.upto
     UNION ALL
     SELECT 1 AS kind, b::DOUBLE AS k, n::DOUBLE AS v FROM (${binCountsSql('SELECT x, f FROM g', edges, true)})`,
    lane,
  );
  const at = new Map<number, number | null>();
  const counts = new Array<number>(bins).fill(0);
  for (const row of rows) {
    const k = Number(row.k);
    if (Number(row.kind) === 0) at.set(k, typeof row.v === 'number' ? row.v : null);
    else counts[k] = (counts[k] ?? 0) + toCount(row.v);
  }
  const quartiles = positions.map(({ rn, lo, hi }) => {
    const a = at.get(lo);
    const b = at.get(hi);
    if (a === undefined || a === null || b === undefined || b === null) return null;
    return toNumber(lo === hi ? a : a + (b - a) * (rn - lo));
  });
  return { quartiles, histogram: { edges, counts } };
}
