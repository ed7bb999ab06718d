import { readdir } from 'node:fs/promises';
import { z } from 'zod';
import { taskRecordSchema, type TaskRecord } from '@offload/contracts';
import type { HashedIdempotencyEntry } from '@offload/storage';
import { oneLine } from '../dlq/format';

/**
 * The file store of releases before the record database, as it lay in DATA_DIR: one
 * `records/<task id>.json` per task record, one `idempotency/<sha256 of the key>.json` per
 * Idempotency-Key. Reading it only; nothing here writes or deletes a file.
 */
export const RECORDS_DIR = 'records';
export const IDEMPOTENCY_DIR = 'idempotency';

export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

/** An Idempotency-Key file's content, as the file store wrote it. */
const idempotencyFileSchema = z.object({
  fingerprint: z.string(),
  task_id: taskRecordSchema.shape.id,
  created_at: z.iso.datetime({ offset: true }),
  expires_at: z.iso.datetime({ offset: true }),
});

const RECORD_FILE = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.json$/;
const KEY_FILE = /^([0-9a-f]{64})\.json$/;

/**
 * The `.json` files of `dir`, sorted; undefined when there is no such directory. Names starting
 * with a dot (the temp files of an interrupted write) and directories (`.lock` ones) are not files
 * the store kept.
 */
export async function jsonFiles(dir: string): Promise<string[] | undefined> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    if (typeof err === 'object' && err !== null && Reflect.get(err, 'code') === 'ENOENT') return undefined;
    throw err;
  }
  return entries
    .filter((e) => e.isFile() && e.name.endsWith('.json') && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort();
}

function parseJson(text: string): Parsed<unknown> {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (err) {
    return { ok: false, reason: `not JSON: ${err instanceof Error ? err.message : String(err)}` };
  }
}

function schemaProblems(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(the file)'}: ${issue.message}`)
    .join('; ');
}

/** A task record file: JSON, a valid record (taskRecordSchema), and named after its id. */
export function parseRecordFile(name: string, text: string): Parsed<TaskRecord> {
  const id = RECORD_FILE.exec(name)?.[1];
  if (id === undefined) return { ok: false, reason: 'the name is not <task id>.json' };
  const json = parseJson(text);
  if (!json.ok) return reason(json.reason);
  const parsed = taskRecordSchema.safeParse(json.value);
  if (!parsed.success) return reason(`not a task record: ${schemaProblems(parsed.error)}`);
  if (parsed.data.id !== id) return reason(`it holds the record of task ${parsed.data.id}, not ${id}`);
  return { ok: true, value: parsed.data };
}

/** An Idempotency-Key file: named after the key's SHA-256, holding what the key was used for. */
export function parseKeyFile(name: string, text: string): Parsed<HashedIdempotencyEntry> {
  const keyHash = KEY_FILE.exec(name)?.[1];
  if (keyHash === undefined) return { ok: false, reason: 'the name is not <sha256 of the key>.json' };
  const json = parseJson(text);
  if (!json.ok) return reason(json.reason);
  const parsed = idempotencyFileSchema.safeParse(json.value);
  if (!parsed.success) return reason(`not an Idempotency-Key entry: ${schemaProblems(parsed.error)}`);
  return { ok: true, value: { key_hash: keyHash, ...parsed.data } };
}

/** A reason fit for one line of a terminal, whatever the file held. */
function reason(text: string): Parsed<never> {
  return { ok: false, reason: oneLine(text, 200) };
}
