import type { EngineSession, Lane } from './duckdb-session';
import { toCount } from './json-values';
import { literal } from './sql';

/**
 * Bin edges as numpy.histogram makes them: `bins` equal bins over [min, max], the last one closed;
 * a constant column gets the range [v − 0.5, v + 0.5].
 */
export function binEdges(min: number, max: number, bins: number): number[] {
  const [lo, hi] = min === max ? [min - 0.5, max + 0.5] : [min, max];
  const width = (hi - lo) / bins;
  return Array.from({ length: bins + 1 }, (_, i) => (i === bins ? hi : lo + i * width));
}

/**
 * A double as SQL that parses back to the very same double (a bare `0.18` would be a DECIMAL,
 * and a long one loses bits on its way to DOUBLE).
 */
function double(value: number): string {
  return `${literal(String(value))}::DOUBLE`;
}

export interface HistogramInput {
  /** An already quoted identifier. */
  column: string;
  min: number;
  max: number;
}

export interface Histogram {
  edges: number[];
  counts: number[];
}

/** Columns whose histograms one statement computes (each its own scan of one column). */
const COLUMNS_PER_STATEMENT = 16;

/**
 * The statement counting values per bin, as rows (b, n). `values` yields the values as `x`,
 * and their multiplicity as `f` when `weighted` (a column already grouped by value).
 */
export function binCountsSql(values: string, edges: readonly number[], weighted: boolean): string {
  const bins = edges.length - 1;
  const lo = double(edges[0] ?? 0);
  const width = double(((edges[bins] ?? 0) - (edges[0] ?? 0)) / bins);
  // The division alone misplaces a value that sits on an edge ((1.2 − 1) / 0.1 < 2), so the guess
  // moves by one bin when the value is outside [edges[k], edges[k+1]), computed exactly as
  // binEdges does: each bin then holds what its reported edges say (numpy.histogram does the same).
  // Positional GROUP BY: a dataset column named like an alias would otherwise win.
  return `SELECT (k - CASE WHEN x < ${lo} + k * ${width} THEN 1 ELSE 0 END
               + CASE WHEN k < ${bins - 1} AND x >= ${lo} + (k + 1) * ${width} THEN 1 ELSE 0 END)::INTEGER AS b, ${weighted ? 'sum(f)' : 'count(*)'} AS n
     FROM (SELECT *, least(greatest(floor((x - ${lo}) / ${width}), 0), ${bins - 1}) AS k
           FROM (${values}) WHERE isfinite(x))
     GROUP BY 1`;
}

/** Counts per bin of numeric columns, a few columns per statement. */
export async function histograms(session: EngineSession, inputs: readonly HistogramInput[], bins: number, lane: Lane): Promise<Histogram[]> {
  const out = inputs.map((input) => ({ edges: binEdges(input.min, input.max, bins), counts: new Array<number>(bins).fill(0) }));
  for (let start = 0; start < inputs.length; start += COLUMNS_PER_STATEMENT) {
    const parts = inputs.slice(start, start + COLUMNS_PER_STATEMENT).map((input, k) => `SELECT ${start + k} AS c, b, n FROM (${binCountsSql(`SELECT ${input.column}::DOUBLE AS x FROM t WHERE ${input.column} IS NOT NULL`, out[start + k]?.edges ?? [], false)})`);
    for (const row of await session.query(parts.join('\nUNION ALL\n'), lane)) {
      const counts = out[Number(row.c)]?.counts;
      const b = Number(row.b);
      if (counts) counts[b] = (counts[b] ?? 0) + toCount(row.n);
    }
  }
  return out;
}
