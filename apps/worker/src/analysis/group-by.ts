import { PermanentTaskError } from '../errors';
import { isNumeric } from './column-types';
import type { EngineSession, Lane } from './duckdb-session';
import { toCount, toNumber, toScalar } from './json-values';
import type { ColumnSpec } from './profile-column';
import { ident } from './sql';

export interface GroupStats {
  value: string | number | boolean | null;
  count: number;
  means: Record<string, number | null>;
}

/** Per group of `column`: the row count and the mean of each numeric column, ordered by value. */
export async function groupBy(session: EngineSession, column: ColumnSpec, numeric: readonly string[], maxGroups: number, lane: Lane = 0): Promise<GroupStats[]> {
  const g = ident(column.name);
  // A timestamp reads as in `top`, `first` and `last` (ISO 8601 with a T).
  const text = column.type === 'timestamp' ? `replace(${g}::VARCHAR, ' ', 'T')` : 'NULL';
  const means = numeric.map((name, i) => `avg(${ident(name)}::DOUBLE) AS m${i}`);
  // Positional GROUP BY and ORDER BY: a group column named `n` or `value` would bind to the alias.
  const rows = await session.query(
    `SELECT ${g} AS value, ${text} AS text, count(*) AS n${means.length ? `, ${means.join(', ')}` : ''} FROM t GROUP BY 1 ORDER BY 1 NULLS LAST LIMIT ${maxGroups + 1}`,
    lane,
  );
  if (rows.length > maxGroups) {
    throw new PermanentTaskError('limit_exceeded', `group_by ${JSON.stringify(column.name)} has more than ${maxGroups} groups (ANALYSIS_MAX_GROUPS)`);
  }
  return rows.map((row) => ({
    // BIGINTs arrive as text: an integer column's groups are numbers all the same.
    value: isNumeric(column.type) ? toNumber(row.value) : column.type === 'timestamp' ? toScalar(row.text) : toScalar(row.value),
    count: toCount(row.n),
    means: Object.fromEntries(numeric.map((name, i) => [name, toNumber(row[`m${i}`])])),
  }));
}
