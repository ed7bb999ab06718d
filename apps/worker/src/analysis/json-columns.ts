import type { EngineSession } from './duckdb-session';
import { toCount } from './json-values';
import { MISSING_TOKENS } from './missing-tokens';
import { aggregateScan } from './profile-column';
import { ident, literal } from './sql';

export interface LoadedColumn {
  name: string;
  duckType: string;
}

/**
 * The JSON reader's own date detection, narrowed to the strict ISO forms, which the rule below
 * also gives: left to itself it guesses `01-02-2024` as 1 February, which the CSV reader reads
 * as text, and drops a format for a whole column on one value with a fraction.
 */
export const JSON_DATE_OPTIONS = "dateformat = '%Y-%m-%d', timestampformat = '%Y-%m-%d %H:%M:%S'";

const TOKENS = `(${MISSING_TOKENS.map(literal).join(', ')})`;
/** ISO 8601 dates and date-times as the CSV reader types them (a space or a T; Z or an offset). */
const ISO_DATE = literal('\\d{4}-\\d{1,2}-\\d{1,2}');
const ISO_DATE_TIME = literal('\\d{4}-\\d{1,2}-\\d{1,2}[T ]\\d{1,2}:\\d{2}(:\\d{2}(\\.\\d+)?)?');
const ZONE = literal('(Z|[+-]\\d{2}(:?\\d{2})?)');

/**
 * Types the columns of a table read from JSON or NDJSON by the rules CSV fields follow, so every
 * format reads alike: a string that is a missing token (`NA`, `null`, `""`, …) is missing, as a
 * JSON null is, and so is a NaN number; then a column whose present values all have one JSON
 * type takes it (integers, numbers, booleans), strings that are all ISO 8601 dates or date-times
 * make a timestamp column, and any other mix is a string column of each value's text (`two`, not
 * `"two"`; `1`; `{"a":1}`). A quoted number stays a string, as JSON typed it. Returns the columns
 * with their new types.
 */
export async function typeJsonColumns(session: EngineSession, columns: readonly LoadedColumn[]): Promise<LoadedColumn[]> {
  const mixed = columns.filter((c) => c.duckType === 'JSON');
  const doubles = columns.filter((c) => c.duckType === 'DOUBLE');
  const first = await aggregateScan(session, [...mixed.flatMap((c) => jsonKinds(ident(c.name))), ...doubles.flatMap((c) => nonFinite(ident(c.name)))], 0);
  const types = new Map(columns.map((c) => [c.name, c.duckType]));
  for (const [i, c] of mixed.entries()) {
    const [type, using] = resolveMixed(ident(c.name), first.slice(i * JSON_KINDS, (i + 1) * JSON_KINDS).map(toCount));
    await session.run(`ALTER TABLE t ALTER COLUMN ${ident(c.name)} SET DATA TYPE ${type} USING ${using}`);
    types.set(c.name, type);
  }
  for (const [i, c] of doubles.entries()) {
    const at = mixed.length * JSON_KINDS + i * 2;
    const [nan = 0, infinite = 0] = first.slice(at, at + 2).map(toCount);
    const col = ident(c.name);
    // CSV reads `inf` as text, which makes its column a string column: an Infinity literal too.
    if (infinite > 0) {
      const text = `CASE WHEN isnan(${col}) THEN NULL WHEN isinf(${col}) THEN (CASE WHEN ${col} > 0 THEN 'Infinity' ELSE '-Infinity' END) ELSE ${col}::VARCHAR END`;
      await session.run(`ALTER TABLE t ALTER COLUMN ${col} SET DATA TYPE VARCHAR USING ${text}`);
      types.set(c.name, 'VARCHAR');
    } else if (nan > 0) await session.run(`UPDATE t SET ${col} = NULL WHERE isnan(${col})`);
  }
  // Strings: a cheap scan counts missing tokens and values that cannot be dates; the columns left
  // (every present value shaped like a date) get a second scan that parses them.
  const strings = columns.filter((c) => types.get(c.name) === 'VARCHAR');
  const shapes = await aggregateScan(session, strings.flatMap((c) => stringShape(ident(c.name))), 0);
  const shaped = strings.map((c, i) => {
    const [tokens = 0, present = 0, notDates = 0] = shapes.slice(i * 3, i * 3 + 3).map(toCount);
    return { c, tokens, present, dateShaped: present > 0 && notDates === 0 };
  });
  const dated = shaped.filter((s) => s.dateShaped);
  const parsed = await aggregateScan(session, dated.flatMap((s) => dateKinds(ident(s.c.name))), 0);
  for (const s of shaped) {
    const at = dated.indexOf(s);
    const [dates = 0, dateTimes = 0, zoned = 0] = at === -1 ? [] : parsed.slice(at * 3, at * 3 + 3).map(toCount);
    types.set(s.c.name, await typeStrings(session, ident(s.c.name), { tokens: s.tokens, present: s.present, dates, dateTimes, zoned }));
  }
  return columns.map((c) => ({ name: c.name, duckType: types.get(c.name) ?? c.duckType }));
}

/** Counts, over a DOUBLE column: NaN and infinite values (number literals the engine accepts and JSON does not). */
function nonFinite(c: string): string[] {
  return [`count(*) FILTER (WHERE isnan(${c}))`, `count(*) FILTER (WHERE isinf(${c}))`];
}

const JSON_KINDS = 7;

/** Counts, over a JSON column: integers, those too large for BIGINT, finite numbers, booleans, strings, missing values, and anything else. */
function jsonKinds(c: string): string[] {
  const number = `TRY_CAST((${c} ->> '$') AS DOUBLE)`;
  return [
    `count(*) FILTER (WHERE json_type(${c}) IN ('BIGINT', 'UBIGINT'))`,
    `count(*) FILTER (WHERE json_type(${c}) IN ('BIGINT', 'UBIGINT') AND TRY_CAST((${c} ->> '$') AS BIGINT) IS NULL)`,
    `count(*) FILTER (WHERE json_type(${c}) = 'DOUBLE' AND isfinite(${number}))`,
    `count(*) FILTER (WHERE json_type(${c}) = 'BOOLEAN')`,
    `count(*) FILTER (WHERE json_type(${c}) = 'VARCHAR' AND (${c} ->> '$') NOT IN ${TOKENS})`,
    `count(*) FILTER (WHERE ${c} IS NULL OR json_type(${c}) = 'NULL' OR (json_type(${c}) = 'VARCHAR' AND (${c} ->> '$') IN ${TOKENS}) OR (json_type(${c}) = 'DOUBLE' AND isnan(${number})))`,
    `count(*) FILTER (WHERE json_type(${c}) IN ('OBJECT', 'ARRAY') OR (json_type(${c}) = 'DOUBLE' AND isinf(${number})))`,
  ];
}

/** The type of a JSON column (the engine's type for a column of mixed JSON types) and the expression that converts it. */
function resolveMixed(c: string, counts: readonly number[]): [type: string, using: string] {
  const [ints = 0, bigInts = 0, numbers = 0, booleans = 0, strings = 0, , others = 0] = counts;
  const present = ints + numbers + booleans + strings + others;
  const kind = `json_type(${c})`;
  // TRY_CAST of the JSON text: a plain cast of a JSON column fails on its string values, even
  // in a branch they never reach.
  const as = (type: string, kinds: string) => `CASE WHEN ${kind} IN (${kinds}) THEN TRY_CAST((${c} ->> '$') AS ${type}) END`;
  if (present > 0 && ints === present) {
    const type = bigInts > 0 ? 'HUGEINT' : 'BIGINT';
    return [type, as(type, "'BIGINT', 'UBIGINT'")];
  }
  // NaN is missing: its cast gives NULL once the finite numbers alone are kept.
  if (present > 0 && ints + numbers === present) return ['DOUBLE', `CASE WHEN isfinite(TRY_CAST((${c} ->> '$') AS DOUBLE)) THEN TRY_CAST((${c} ->> '$') AS DOUBLE) END`];
  if (present > 0 && booleans === present) return ['BOOLEAN', as('BOOLEAN', "'BOOLEAN'")];
  // Text as a user sees it: a string without its quotes, anything else as its JSON text.
  const text = `CASE ${kind} WHEN 'NULL' THEN NULL WHEN 'VARCHAR' THEN (${c} ->> '$') ELSE ${c}::VARCHAR END`;
  return ['VARCHAR', `CASE WHEN ${text} IN ${TOKENS} OR (${kind} = 'DOUBLE' AND isnan(TRY_CAST((${c} ->> '$') AS DOUBLE))) THEN NULL ELSE ${text} END`];
}

/** Counts, over a string column: missing tokens, present values, and present values not shaped like an ISO date (yyyy-…). */
function stringShape(c: string): string[] {
  const present = `${c} NOT IN ${TOKENS}`;
  return [`count(*) FILTER (WHERE ${c} IN ${TOKENS})`, `count(*) FILTER (WHERE ${present})`, `count(*) FILTER (WHERE ${present} AND NOT (length(${c}) BETWEEN 8 AND 40 AND ${c}[5] = '-'))`];
}

/** Counts, over a string column's present values: ISO dates, ISO date-times, and those with a zone. */
function dateKinds(c: string): string[] {
  const present = `${c} NOT IN ${TOKENS}`;
  return [
    `count(*) FILTER (WHERE ${present} AND regexp_full_match(${c}, ${ISO_DATE}) AND TRY_CAST(${c} AS DATE) IS NOT NULL)`,
    `count(*) FILTER (WHERE ${present} AND regexp_full_match(${c}, ${ISO_DATE_TIME} || ${ZONE} || '?') AND TRY_CAST(${c} AS TIMESTAMPTZ) IS NOT NULL)`,
    `count(*) FILTER (WHERE ${present} AND regexp_full_match(${c}, ${ISO_DATE_TIME} || ${ZONE}))`,
  ];
}

interface StringCounts {
  tokens: number;
  present: number;
  dates: number;
  dateTimes: number;
  zoned: number;
}

async function typeStrings(session: EngineSession, c: string, { tokens, present, dates, dateTimes, zoned }: StringCounts): Promise<string> {
  const retype = async (type: string) => {
    await session.run(`ALTER TABLE t ALTER COLUMN ${c} SET DATA TYPE ${type} USING CASE WHEN ${c} IN ${TOKENS} THEN NULL ELSE TRY_CAST(${c} AS ${type}) END`);
    return type;
  };
  if (present > 0 && dates === present) return retype('DATE');
  // As CSV: all with a zone, a zoned timestamp; none, a plain one; a mix stays text.
  if (present > 0 && dateTimes === present && (zoned === 0 || zoned === present)) return retype(zoned === 0 ? 'TIMESTAMP' : 'TIMESTAMP WITH TIME ZONE');
  if (tokens > 0) await session.run(`UPDATE t SET ${c} = NULL WHERE ${c} IN ${TOKENS}`);
  return 'VARCHAR';
}
