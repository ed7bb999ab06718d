import type { DatasetFormat } from '@offload/contracts';
import { PermanentTaskError } from '../errors';
import type { EngineSession } from './duckdb-session';
import { toCount } from './json-values';
import { literal } from './sql';

/** Tokens read as a missing value, besides an empty field (a subset of pandas' defaults). */
export const MISSING_TOKENS = ['', 'NA', 'N/A', 'NaN', 'nan', 'null', 'NULL', 'None'];

/** One JSON record (row) may be this large; a larger one fails with limit_exceeded. */
export const MAX_JSON_OBJECT_BYTES = 1024 * 1024;

export interface LoadedDataset {
  rowCount: number;
  rowsFailed: number;
  columns: { name: string; duckType: string }[];
}

/** The table function that reads the file, with every choice spelled out. */
export function readerSql(path: string, format: DatasetFormat, delimiter: string | undefined): string {
  if (format === 'json' || format === 'ndjson') {
    return `read_json(${literal(path)}, format = ${literal(format === 'json' ? 'array' : 'newline_delimited')}, records = 'true', sample_size = -1, map_inference_threshold = -1, maximum_object_size = ${MAX_JSON_OBJECT_BYTES})`;
  }
  const delim = delimiter ?? (format === 'tsv' ? '\t' : undefined);
  const options = [
    'header = true',
    // Types from every row, not a sample: a late value that breaks a type widens the column.
    'sample_size = -1',
    // Ragged rows and undecodable bytes are counted as failed rows, not fatal.
    'ignore_errors = true',
    'null_padding = false',
    'store_rejects = true',
    `nullstr = [${MISSING_TOKENS.map(literal).join(', ')}]`,
    ...(delim === undefined ? [] : [`delim = ${literal(delim)}`]),
  ];
  return `read_csv(${literal(path)}, ${options.join(', ')})`;
}

/** Reads the whole file into the session's table `t` in one pass. */
export async function loadDataset(
  session: EngineSession,
  path: string,
  format: DatasetFormat,
  delimiter: string | undefined,
  signal: AbortSignal,
): Promise<LoadedDataset> {
  try {
    await session.run(`CREATE TABLE t AS SELECT * FROM ${readerSql(path, format, delimiter)}`);
  } catch (err) {
    // An abort (time limit, shutdown) is not the data's fault: it must not become invalid_dataset.
    signal.throwIfAborted();
    // DuckDB reports errors as text only; these two are limits, not malformed data.
    const reason = firstLine(err);
    if (reason.includes('maximum_object_size')) {
      throw new PermanentTaskError('limit_exceeded', `a JSON record is larger than ${MAX_JSON_OBJECT_BYTES} bytes: too many columns to profile`, { cause: err });
    }
    if (reason.startsWith('Out of Memory Error')) {
      throw new PermanentTaskError('limit_exceeded', `reading the dataset needs more memory than ANALYSIS_MEMORY_MB allows (${reason})`, { cause: err });
    }
    throw new PermanentTaskError('invalid_dataset', `the ${format.toUpperCase()} data could not be read: ${firstLine(err)}`, { cause: err });
  }
  const [count] = await session.query('SELECT count(*) AS n FROM t');
  const columns = (await session.query("SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 't' ORDER BY ordinal_position")).map(
    (row) => ({ name: String(row.column_name), duckType: String(row.data_type) }),
  );
  let rowsFailed = 0;
  if (format === 'csv' || format === 'tsv') {
    const [rejects] = await session.query('SELECT count(DISTINCT (scan_id, file_id, line)) AS n FROM reject_errors');
    rowsFailed = toCount(rejects?.n);
  }
  return { rowCount: toCount(count?.n), rowsFailed, columns };
}

function firstLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return (message.split('\n')[0] ?? message).slice(0, 500);
}
