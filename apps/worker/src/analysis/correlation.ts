import type { EngineSession } from './duckdb-session';
import { toNumber } from './json-values';
import { ident } from './sql';

const PAIRS_PER_QUERY = 500;

/**
 * The Pearson correlation matrix of numeric columns over pairwise-complete rows (as pandas'
 * DataFrame.corr()). The diagonal is 1, or null for a column with no variance.
 */
export async function correlationMatrix(session: EngineSession, columns: readonly string[]): Promise<(number | null)[][]> {
  const n = columns.length;
  const matrix = Array.from({ length: n }, () => new Array<number | null>(n).fill(null));
  const pairs: [number, number][] = [];
  for (let i = 0; i < n; i++) for (let j = i; j < n; j++) pairs.push([i, j]);
  for (let start = 0; start < pairs.length; start += PAIRS_PER_QUERY) {
    const batch = pairs.slice(start, start + PAIRS_PER_QUERY);
    const select = batch.map(([i, j], k) => `corr(${ident(columns[i] ?? '')}::DOUBLE, ${ident(columns[j] ?? '')}::DOUBLE) AS c${k}`);
    const [row] = await session.query(`SELECT ${select.join(', ')} FROM t`);
    batch.forEach(([i, j], k) => {
      const value = toNumber(row?.[`c${k}`]);
      // Rounding can push a perfect correlation a hair past ±1.
      const r = value === null ? null : Math.max(-1, Math.min(1, value));
      const rowI = matrix[i];
      const rowJ = matrix[j];
      if (rowI) rowI[j] = i === j && r !== null ? 1 : r;
      if (rowJ) rowJ[i] = i === j && r !== null ? 1 : r;
    });
  }
  return matrix;
}
