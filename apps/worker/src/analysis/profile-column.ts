import type { ColumnProfile, ColumnType } from '@offload/contracts';
import type { EngineSession } from './duckdb-session';
import { histogram } from './histogram';
import { toCount, toNumber, toScalar } from './json-values';
import { ident } from './sql';

export interface ColumnSpec {
  name: string;
  type: ColumnType;
}

/** Every statistic of one column, one column at a time so memory stays bounded by one column. */
export async function profileColumn(session: EngineSession, column: ColumnSpec, rowCount: number, bins: number): Promise<ColumnProfile> {
  const c = ident(column.name);
  if (column.type === 'integer' || column.type === 'number') {
    const [row] = await session.query(
      `SELECT count(${c}) AS n, avg(${c}::DOUBLE) AS mean, stddev_samp(${c}::DOUBLE) AS std, min(${c})::DOUBLE AS lo,
              quantile_cont(${c}::DOUBLE, [0.25, 0.5, 0.75]) AS q, max(${c})::DOUBLE AS hi FROM t`,
    );
    const count = toCount(row?.n);
    const q = Array.isArray(row?.q) ? row.q : [];
    const lo = toNumber(row?.lo);
    const hi = toNumber(row?.hi);
    return {
      name: column.name,
      type: column.type,
      count,
      missing: rowCount - count,
      mean: toNumber(row?.mean),
      std: toNumber(row?.std),
      min: lo,
      p25: toNumber(q[0]),
      p50: toNumber(q[1]),
      p75: toNumber(q[2]),
      max: hi,
      histogram: lo === null || hi === null ? null : await histogram(session, c, lo, hi, bins),
    };
  }
  // Text keeps ties deterministic: the smallest value (as text) wins. Positions, not aliases, in
  // GROUP BY and ORDER BY, so a dataset column named like an alias cannot take their place.
  const asText = column.type === 'timestamp' ? `replace(${c}::VARCHAR, ' ', 'T')` : `${c}::VARCHAR`;
  const [row] = await session.query(`SELECT count(${c}) AS n, count(DISTINCT ${c}) AS u FROM t`);
  const [top] = await session.query(
    `SELECT ${c} AS v, ${asText} AS text, count(*) AS f FROM t WHERE ${c} IS NOT NULL GROUP BY 1 ORDER BY 3 DESC, 2 ASC LIMIT 1`,
  );
  const count = toCount(row?.n);
  const profile: ColumnProfile = {
    name: column.name,
    type: column.type,
    count,
    missing: rowCount - count,
    unique: toCount(row?.u),
    top: top === undefined ? null : column.type === 'boolean' ? toScalar(top.v) : toScalar(top.text),
    freq: toCount(top?.f),
  };
  if (column.type === 'timestamp') {
    const [range] = await session.query(`SELECT replace(min(${c})::VARCHAR, ' ', 'T') AS first, replace(max(${c})::VARCHAR, ' ', 'T') AS last FROM t`);
    profile.first = typeof range?.first === 'string' ? range.first : null;
    profile.last = typeof range?.last === 'string' ? range.last : null;
  }
  return profile;
}
