import type { DatasetFormat } from '@offload/contracts';
import { PermanentTaskError } from '../errors';
import type { EngineSession } from './duckdb-session';
import { JSON_DATE_OPTIONS, typeJsonColumns } from './json-columns';
import { toCount } from './json-values';
import { MISSING_TOKENS } from './missing-tokens';
import { MAX_JSON_OBJECT_BYTES, readFailure } from './read-failure';
import { literal } from './sql';

export interface LoadedDataset {
  rowCount: number;
  rowsFailed: number;
  columns: { name: string; duckType: string }[];
}

/** The table function that reads the file, with every choice spelled out. */
export function readerSql(path: string, format: DatasetFormat, delimiter: string | undefined): string {
  if (format === 'json' || format === 'ndjson') {
    return `read_json(${literal(path)}, format = ${literal(format === 'json' ? 'array' : 'newline_delimited')}, records = 'true', sample_size = -1, map_inference_threshold = -1, maximum_object_size = ${MAX_JSON_OBJECT_BYTES}, ${JSON_DATE_OPTIONS})`;
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

export interface DatasetFile {
  path: string;
  format: DatasetFormat;
  delimiter: string | undefined;
  /** How error messages name the dataset: `the upload up_…`, `the inline rows`. */
  source: string;
  /** The whole file, when it fitted in the head read before loading; else undefined. */
  wholeFile: Buffer | undefined;
}

/** Reads the whole file into the session's table `t` in one pass. */
export async function loadDataset(session: EngineSession, file: DatasetFile, signal: AbortSignal): Promise<LoadedDataset> {
  const { path, format, delimiter } = file;
  try {
    await session.run(`CREATE TABLE t AS SELECT * FROM ${readerSql(path, format, delimiter)}`);
  } catch (err) {
    // An abort (time limit, shutdown) is not the data's fault: it must not become invalid_dataset.
    signal.throwIfAborted();
    throw await readFailure(err, file, signal);
  }
  const [count] = await session.query('SELECT count(*) AS n FROM t');
  const read = (await session.query("SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 't' ORDER BY ordinal_position")).map(
    (row) => ({ name: String(row.column_name), duckType: String(row.data_type) }),
  );
  const withNul = read.find((c) => c.name.includes('\u0000'));
  if (withNul !== undefined) {
    throw new PermanentTaskError('invalid_dataset', `${file.source} has a column name with a NUL character (${JSON.stringify(withNul.name)}): a column name is text without control characters`);
  }
  const columns = format === 'json' || format === 'ndjson' ? await typeJsonColumns(session, read) : read;
  let rowsFailed = 0;
  if (format === 'csv' || format === 'tsv') {
    const [rejects] = await session.query('SELECT count(DISTINCT (scan_id, file_id, line)) AS n FROM reject_errors');
    rowsFailed = toCount(rejects?.n);
  }
  return { rowCount: toCount(count?.n), rowsFailed, columns };
}
