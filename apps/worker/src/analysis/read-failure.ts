import type { DatasetFormat } from '@offload/contracts';
import { PermanentTaskError } from '../errors';
import { firstBadNdjsonLine } from './ndjson-lines';

/** One JSON record (row) may be this large; a larger one fails with limit_exceeded. */
export const MAX_JSON_OBJECT_BYTES = 1024 * 1024;

export interface FailedRead {
  path: string;
  format: DatasetFormat;
  /** How messages name the dataset: `the upload up_…`, `the inline rows`. */
  source: string;
  /** The whole file, when it fitted in the head read before loading; else undefined. */
  wholeFile: Buffer | undefined;
}

const NO_FIELD = 'no record has a field, so there is no column to profile';
const NOT_A_RECORD = 'is not a JSON object (a record of column → value)';

/**
 * The error to report when the engine failed to read a dataset: the problem in the user's terms
 * (the format, a line or item number we found ourselves), never the engine's message, which
 * names the server's path and its own options. That message stays the cause, for the log.
 * DuckDB reports errors as text only: it is read here to choose our wording, and never copied.
 */
export async function readFailure(err: unknown, read: FailedRead, signal: AbortSignal): Promise<PermanentTaskError> {
  const engine = err instanceof Error ? err.message : String(err);
  if (engine.includes('maximum_object_size')) {
    return new PermanentTaskError('limit_exceeded', `a JSON record is larger than ${MAX_JSON_OBJECT_BYTES} bytes: too many columns to profile`, { cause: err });
  }
  if (engine.startsWith('Out of Memory Error')) {
    return new PermanentTaskError('limit_exceeded', 'reading the dataset needs more memory than ANALYSIS_MEMORY_MB allows', { cause: err });
  }
  const problem = read.format === 'json' ? jsonProblem(engine, read.wholeFile) : read.format === 'ndjson' ? await ndjsonProblem(engine, read.path, signal) : delimitedProblem(engine);
  return new PermanentTaskError('invalid_dataset', `${read.source} could not be read as ${read.format.toUpperCase()}: ${problem}`, { cause: err });
}

function jsonProblem(engine: string, wholeFile: Buffer | undefined): string {
  if (engine.includes('Expected top-level JSON array')) return 'it does not start with [ (a JSON array of objects)';
  if (engine.includes('unexpected end of data')) return 'it ends before the JSON is complete (is it truncated?)';
  if (engine.includes('Malformed JSON')) return 'it is not valid JSON';
  // Not an array of records: say which item, when the file is small enough to have been read.
  let items: unknown;
  try {
    items = wholeFile === undefined ? undefined : JSON.parse(wholeFile.toString('utf8').replace(/^\ufeff/, ''));
  } catch {
    return 'it is not valid JSON';
  }
  if (Array.isArray(items)) {
    const at = items.findIndex((item) => typeof item !== 'object' || item === null || Array.isArray(item));
    if (at !== -1) return `item ${at + 1} of the array ${NOT_A_RECORD}`;
    return NO_FIELD;
  }
  return 'it is not a JSON array of objects, each with at least one field';
}

async function ndjsonProblem(engine: string, path: string, signal: AbortSignal): Promise<string> {
  const bad = await firstBadNdjsonLine(path, MAX_JSON_OBJECT_BYTES, signal);
  if (bad !== undefined) return bad.problem === 'not_json' ? `line ${bad.line} is not valid JSON` : `line ${bad.line} ${NOT_A_RECORD}`;
  if (engine.includes('expected records')) return NO_FIELD;
  return 'it is not valid NDJSON (one JSON object per line)';
}

function delimitedProblem(engine: string): string {
  if (engine.includes('sniffing')) return 'no consistent delimiter and column layout was found (is it delimited text?)';
  return 'it is not delimited text the engine can parse';
}
