import type { Json } from '@duckdb/node-api';
import { toNumber } from './json-values';
import { ident } from './sql';

/** Every pair (i ≤ j) of `n` columns, in the order correlationAggregates lists them. */
function pairs(n: number): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < n; i++) for (let j = i; j < n; j++) out.push([i, j]);
  return out;
}

/**
 * The aggregates behind the Pearson matrix of numeric columns over pairwise-complete rows (as
 * pandas' DataFrame.corr()): one `corr` per pair, the diagonal included. They go into the same
 * scan as the other streaming aggregates.
 */
export function correlationAggregates(columns: readonly string[]): string[] {
  return pairs(columns.length).map(([i, j]) => `corr(${ident(columns[i] ?? '')}::DOUBLE, ${ident(columns[j] ?? '')}::DOUBLE)`);
}

/**
 * The matrix from the values of correlationAggregates, in its order. The diagonal is 1, or null
 * for a column with no variance.
 */
export function correlationMatrix(n: number, values: readonly (Json | undefined)[]): (number | null)[][] {
  const matrix = Array.from({ length: n }, () => new Array<number | null>(n).fill(null));
  pairs(n).forEach(([i, j], k) => {
    const value = toNumber(values[k]);
    // Rounding can push a perfect correlation a hair past ±1.
    const r = value === null ? null : Math.max(-1, Math.min(1, value));
    const rowI = matrix[i];
    const rowJ = matrix[j];
    if (rowI) rowI[j] = i === j && r !== null ? 1 : r;
    if (rowJ) rowJ[i] = i === j && r !== null ? 1 : r;
  });
  return matrix;
}
