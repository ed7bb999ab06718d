import { analysisResultSchema, type AnalysisResult, type DatasetFormat } from '@offload/contracts';
import { PermanentTaskError } from '../errors';
import { columnTypeOf, isNumeric } from './column-types';
import { correlationMatrix } from './correlation';
import { readHead, detectFormat, firstRecordFieldCount, holdsNoData } from './dataset-head';
import { openEngineSession, type EngineLimits } from './duckdb-session';
import { groupBy } from './group-by';
import { loadDataset } from './load-dataset';
import { profileColumn, type ColumnSpec } from './profile-column';

export interface AnalysisLimits extends EngineLimits {
  maxColumns: number;
  maxCorrelationColumns: number;
  maxGroups: number;
}

export interface ProfileOptions {
  format?: DatasetFormat;
  delimiter?: string;
  columns?: readonly string[];
  groupBy?: string;
  histogramBins: number;
}

/** Bytes read up front to detect the format and count the first record's fields. */
const HEAD_BYTES = 16 * 1024 * 1024;

/**
 * Profiles a dataset file: load it once into a per-task DuckDB database, then compute each
 * column's statistics, the correlation matrix and the group-by, one bounded query at a time.
 */
export async function profileDataset(
  path: string,
  options: ProfileOptions,
  limits: AnalysisLimits,
  signal: AbortSignal,
  progress: (fraction: number) => void,
): Promise<AnalysisResult> {
  const head = await readHead(path, HEAD_BYTES);
  const format = options.format ?? detectFormat(head);
  const fields = firstRecordFieldCount(head, format, options.delimiter, head.length < HEAD_BYTES);
  if (fields > limits.maxColumns) {
    throw new PermanentTaskError('limit_exceeded', `the dataset has ${fields} columns; at most ${limits.maxColumns} are profiled (ANALYSIS_MAX_COLUMNS)`);
  }
  const session = await openEngineSession(limits, path, signal);
  try {
    const loaded = holdsNoData(head, head.length < HEAD_BYTES) ? { rowCount: 0, rowsFailed: 0, columns: [] } : await loadDataset(session, path, format, options.delimiter, signal);
    if (loaded.columns.length > limits.maxColumns) {
      throw new PermanentTaskError('limit_exceeded', `the dataset has ${loaded.columns.length} columns; at most ${limits.maxColumns} are profiled (ANALYSIS_MAX_COLUMNS)`);
    }
    const all = loaded.columns.map((c) => ({ name: c.name, type: columnTypeOf(c.duckType) }));
    const selected = selectColumns(all, options);
    const numeric = selected.filter((c) => isNumeric(c.type)).map((c) => c.name);
    if (numeric.length > limits.maxCorrelationColumns) {
      throw new PermanentTaskError(
        'limit_exceeded',
        `${numeric.length} numeric columns; the correlation matrix takes at most ${limits.maxCorrelationColumns} (ANALYSIS_MAX_CORRELATION_COLUMNS): pick columns with the columns option`,
      );
    }
    const steps = selected.length + 2;
    progress(1 / steps);
    const profiles = [];
    for (const [i, column] of selected.entries()) {
      profiles.push(await profileColumn(session, column, loaded.rowCount, options.histogramBins));
      progress((i + 2) / steps);
    }
    const matrix = await correlationMatrix(session, numeric);
    const groupColumn = all.find((c) => c.name === options.groupBy);
    const groups = groupColumn === undefined ? null : { column: groupColumn.name, groups: await groupBy(session, groupColumn, numeric, limits.maxGroups) };
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
function selectColumns(all: ColumnSpec[], options: ProfileOptions): ColumnSpec[] {
  const names = new Set(all.map((c) => c.name));
  const wanted = [...(options.columns ?? []), ...(options.groupBy === undefined ? [] : [options.groupBy])];
  const unknown = wanted.filter((name) => !names.has(name));
  if (unknown.length > 0) {
    throw new PermanentTaskError('invalid_dataset', `no column named ${unknown.map((n) => JSON.stringify(n)).join(', ')} in the dataset (it has ${[...names].slice(0, 20).map((n) => JSON.stringify(n)).join(', ')})`);
  }
  if (options.columns === undefined) return all;
  const keep = new Set(options.columns);
  return all.filter((c) => keep.has(c.name));
}
