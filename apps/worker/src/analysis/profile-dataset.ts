import type { Json } from '@duckdb/node-api';
import { analysisResultSchema, type AnalysisResult, type ColumnProfile, type DatasetFormat } from '@offload/contracts';
import { PermanentTaskError } from '../errors';
import { columnTypeOf, isNumeric } from './column-types';
import { correlationAggregates, correlationMatrix } from './correlation';
import { readHead, detectFormat, firstRecordFieldCount, holdsNoData } from './dataset-head';
import { notADataset } from './file-signature';
import { openEngineSession, type EngineLimits, type EngineSession } from './duckdb-session';
import { groupBy, type GroupStats } from './group-by';
import { histograms, type Histogram } from './histogram';
import { toCount } from './json-values';
import { loadDataset } from './load-dataset';
import { ident } from './sql';
import {
  aggregateScan,
  countedStatistics,
  frequencies,
  numericSummary,
  quartiles,
  repetitiveColumns,
  summaryAggregates,
  type ColumnSpec,
  type CountedStatistics,
  type Frequencies,
} from './profile-column';

export interface AnalysisLimits extends EngineLimits {
  maxColumns: number;
  maxCorrelationColumns: number;
  maxGroups: number;
}

export interface ProfileOptions {
  /** How error messages name the dataset (`the upload up_…`); default `the dataset`. */
  source?: string;
  format?: DatasetFormat;
  delimiter?: string;
  columns?: readonly string[];
  groupBy?: string;
  histogramBins: number;
}

/** Bytes read up front to detect the format and count the first record's fields. */
const HEAD_BYTES = 16 * 1024 * 1024;

/**
 * Profiles a dataset file: load it once into a per-task DuckDB database, then compute the
 * statistics in few scans over two connections at once (see computeStatistics).
 */
export async function profileDataset(
  path: string,
  options: ProfileOptions,
  limits: AnalysisLimits,
  signal: AbortSignal,
  progress: (fraction: number) => void,
): Promise<AnalysisResult> {
  const head = await readHead(path, HEAD_BYTES);
  const wholeFile = head.length < HEAD_BYTES;
  const source = options.source ?? 'the dataset';
  const what = notADataset(head);
  if (what !== undefined) {
    throw new PermanentTaskError('invalid_dataset', `${source} is ${what}, not a dataset: analysis reads CSV, TSV, JSON or NDJSON text in UTF-8`);
  }
  const format = options.format ?? detectFormat(head);
  const fields = firstRecordFieldCount(head, format, options.delimiter, wholeFile);
  if (fields > limits.maxColumns) {
    throw new PermanentTaskError('limit_exceeded', `${source} has ${fields} columns; at most ${limits.maxColumns} are profiled (ANALYSIS_MAX_COLUMNS)`);
  }
  const session = await openEngineSession(limits, path, signal);
  try {
    const loaded = holdsNoData(head, wholeFile)
      ? { rowCount: 0, rowsFailed: 0, columns: [] }
      : await loadDataset(session, { path, format, delimiter: options.delimiter, source, wholeFile: wholeFile ? head : undefined }, signal);
    if (loaded.columns.length > limits.maxColumns) {
      throw new PermanentTaskError('limit_exceeded', `${source} has ${loaded.columns.length} columns; at most ${limits.maxColumns} are profiled (ANALYSIS_MAX_COLUMNS)`);
    }
    const all = loaded.columns.map((c) => ({ name: c.name, type: columnTypeOf(c.duckType) }));
    const selected = selectColumns(all, options, source);
    const numeric = selected.filter((c) => isNumeric(c.type)).map((c) => c.name);
    if (numeric.length > limits.maxCorrelationColumns) {
      throw new PermanentTaskError(
        'limit_exceeded',
        `${numeric.length} numeric columns; the correlation matrix takes at most ${limits.maxCorrelationColumns} (ANALYSIS_MAX_CORRELATION_COLUMNS): pick columns with the columns option`,
      );
    }
    const steps = selected.length + 2;
    progress(1 / steps);
    const stats = computeStatistics(session, selected, numeric, all.find((c) => c.name === options.groupBy), loaded.rowCount, options.histogramBins, limits.maxGroups);
    const profiles: ColumnProfile[] = [];
    for (const [i, column] of selected.entries()) {
      profiles.push(await stats.column(i, column));
      progress((i + 2) / steps);
    }
    const { matrix, groups } = await stats.rest();
    return analysisResultSchema.parse({
      format,
      row_count: loaded.rowCount,
      rows_failed: loaded.rowsFailed,
      columns: profiles,
      correlation: { columns: numeric, matrix },
      group_by: groups,
      approximate: false,
    });
  } finally {
    await session.close();
  }
}

/** The columns to profile: all, or the ones asked for, in the file's order. Unknown names fail. */
function selectColumns(all: ColumnSpec[], options: ProfileOptions, source: string): ColumnSpec[] {
  const names = new Set(all.map((c) => c.name));
  const wanted = [...(options.columns ?? []), ...(options.groupBy === undefined ? [] : [options.groupBy])];
  const unknown = wanted.filter((name) => !names.has(name));
  if (unknown.length > 0) {
    throw new PermanentTaskError('invalid_dataset', `no column named ${unknown.map((n) => JSON.stringify(n)).join(', ')} in ${source} (it has ${[...names].slice(0, 20).map((n) => JSON.stringify(n)).join(', ')})`);
  }
  if (options.columns === undefined) return all;
  const keep = new Set(options.columns);
  return all.filter((c) => keep.has(c.name));
}

interface Statistics {
  /** The profile of the i-th selected column. */
  column(i: number, column: ColumnSpec): Promise<ColumnProfile>;
  /** The correlation matrix and the groups (null without group_by). */
  rest(): Promise<{ matrix: (number | null)[][]; groups: { column: string; groups: GroupStats[] } | null }>;
}

/**
 * Starts every statement the profile needs, on two lanes (connections) so the engine's threads
 * stay busy: the exact quartiles, which hold one column's values and compute mostly on one thread,
 * take lane 1, one column at a time; lane 0 takes one scan of every streaming aggregate (counts,
 * means, std, min, max, first/last, the correlations), then the histograms, unique/top/freq of
 * the other columns and the group-by. The first failure fails every answer at once.
 */
function computeStatistics(
  session: EngineSession,
  selected: readonly ColumnSpec[],
  numeric: readonly string[],
  groupColumn: ColumnSpec | undefined,
  rowCount: number,
  bins: number,
  maxGroups: number,
): Statistics {
  const aggregates: string[] = [];
  const summaryAt = selected.map((column) => {
    const at = aggregates.length;
    aggregates.push(...summaryAggregates(column));
    return at;
  });
  const correlationAt = aggregates.length;
  aggregates.push(...correlationAggregates(numeric));
  const summary = aggregateScan(session, aggregates, 0);
  const isNumber = (c: ColumnSpec) => isNumeric(c.type);
  const numbers = selected.flatMap((c, i) => (isNumber(c) ? [{ column: c, at: summaryAt[i] ?? 0 }] : []));
  const counted = repetitiveColumns(
    session,
    numbers.map((n) => n.column),
    rowCount,
    1,
  );
  // Quartiles (and, for a repetitive column, its histogram) one column at a time on lane 1.
  const numericOf = new Map(
    numbers.map(({ column, at }) => [
      column.name,
      Promise.all([summary, counted]).then(async ([values, repetitive]): Promise<CountedStatistics | { quartiles: (number | null)[]; histogram: undefined }> => {
        if (repetitive.has(column.name)) return countedStatistics(session, column, numericSummary(values.slice(at)), bins, 1);
        return { quartiles: await quartiles(session, column, 1), histogram: undefined };
      }),
    ]),
  );
  // The other histograms on lane 0, all in one statement.
  const histogramsOf = Promise.all([summary, counted]).then(async ([values, repetitive]) => {
    const inputs = numbers.flatMap(({ column, at }) => {
      const s = numericSummary(values.slice(at));
      return repetitive.has(column.name) || s.min === null || s.max === null ? [] : [{ name: column.name, column: ident(column.name), min: s.min, max: s.max }];
    });
    const found = await histograms(session, inputs, bins, 0);
    return new Map(inputs.map((input, k) => [input.name, found[k]]));
  });
  const frequenciesOf = new Map(selected.filter((c) => !isNumber(c)).map((c) => [c.name, frequencies(session, c, 0)]));
  const groups = groupColumn === undefined ? Promise.resolve(null) : groupBy(session, groupColumn, numeric, maxGroups, 0).then((g) => ({ column: groupColumn.name, groups: g }));
  const pending: Promise<unknown>[] = [summary, counted, histogramsOf, groups, ...numericOf.values(), ...frequenciesOf.values()];
  // Settles (rejects) as soon as any statement fails; never resolves otherwise.
  const failure = Promise.all(pending).then(() => new Promise<never>(() => undefined));
  failure.catch(() => undefined);
  const settle = <T>(answer: Promise<T>): Promise<T> => Promise.race([answer, failure]);
  return {
    async column(i, column) {
      const values = (await settle(summary)).slice(summaryAt[i]);
      const count = toCount(values[0]);
      if (isNumber(column)) {
        const s = numericSummary(values);
        const numeric = await settle(numericOf.get(column.name) ?? Promise.reject(new Error(`no quartiles of ${column.name}`)));
        const [p25 = null, p50 = null, p75 = null] = numeric.quartiles;
        const histogram: Histogram | null | undefined = numeric.histogram === undefined ? (await settle(histogramsOf)).get(column.name) : numeric.histogram;
        return { name: column.name, type: column.type, count, missing: rowCount - count, mean: s.mean, std: s.std, min: s.min, p25, p50, p75, max: s.max, histogram: histogram ?? null };
      }
      const f: Frequencies = await settle(frequenciesOf.get(column.name) ?? Promise.reject(new Error(`no frequencies of ${column.name}`)));
      const profile: ColumnProfile = { name: column.name, type: column.type, count, missing: rowCount - count, unique: f.unique, top: f.top, freq: f.freq };
      if (column.type === 'timestamp') {
        profile.first = typeof values[1] === 'string' ? values[1] : null;
        profile.last = typeof values[2] === 'string' ? values[2] : null;
      }
      return profile;
    },
    async rest() {
      const values: Json[] = await settle(summary);
      return { matrix: correlationMatrix(numeric.length, values.slice(correlationAt)), groups: await settle(groups) };
    },
  };
}
