import { open } from 'node:fs/promises';
import type { DatasetFormat } from '@offload/contracts';
import { PermanentTaskError } from '../errors';

/** The first bytes of a file (at most `maxBytes`). */
export async function readHead(path: string, maxBytes: number): Promise<Buffer> {
  const file = await open(path, 'r');
  try {
    const buffer = Buffer.allocUnsafe(maxBytes);
    const { bytesRead } = await file.read(buffer, 0, maxBytes, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await file.close();
  }
}

function skipBomAndSpace(head: Buffer): number {
  let i = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0;
  while (i < head.length && (head[i] === 0x20 || head[i] === 0x09 || head[i] === 0x0a || head[i] === 0x0d)) i++;
  return i;
}

/**
 * JSON array when it starts with `[`, NDJSON with `{`, otherwise delimited text: TSV when its
 * first line has tabs and no commas, else CSV (whose delimiter the engine detects).
 */
export function detectFormat(head: Buffer): DatasetFormat {
  const start = skipBomAndSpace(head);
  const first = head[start];
  if (first === 0x5b) return 'json';
  if (first === 0x7b) return 'ndjson';
  const firstLine = head.subarray(start, start + 64 * 1024).toString('utf8').split(/\r?\n/, 1)[0] ?? '';
  return firstLine.includes('\t') && !firstLine.includes(',') ? 'tsv' : 'csv';
}

/** True when the head holds no data at all: only a BOM and white space, or an empty JSON array. */
export function holdsNoData(head: Buffer, wholeFile: boolean): boolean {
  if (!wholeFile) return false;
  const rest = head.subarray(skipBomAndSpace(head)).toString('utf8');
  return rest === '' || /^\[\s*\]\s*$/.test(rest);
}

const CANDIDATE_DELIMITERS = [',', '\t', ';', '|'];

/**
 * How many fields the first record has, read from the head alone, so a file with a million
 * columns is refused before any engine tries to build them. For delimited text with no known
 * delimiter, the largest count over the usual candidates (an upper bound is what a cap needs).
 */
export function firstRecordFieldCount(head: Buffer, format: DatasetFormat, delimiter: string | undefined, wholeFile: boolean): number {
  if (format === 'csv' || format === 'tsv') {
    // Decode the first record only, not the whole head (16 MB): its end is the first line break
    // outside quotes, found on the bytes (in UTF-8, `"`, CR and LF never occur inside a character).
    const text = firstLineBytes(head).toString('utf8').replace(/^\ufeff/, '');
    const delimiters = delimiter !== undefined ? [delimiter] : format === 'tsv' ? ['\t'] : CANDIDATE_DELIMITERS;
    return delimitedFieldCount(text, delimiters, wholeFile, head.length);
  }
  return objectKeyCount(head.toString('utf8').replace(/^\ufeff/, ''), wholeFile, head.length);
}

/** The head up to and including its first line break outside double quotes (all of it if none). */
function firstLineBytes(head: Buffer): Buffer {
  let quoted = false;
  for (let i = 0; i < head.length; i++) {
    const byte = head[i];
    if (byte === 0x22) quoted = !quoted;
    else if (!quoted && (byte === 0x0a || byte === 0x0d)) return head.subarray(0, i + 1);
  }
  return head;
}

function delimitedFieldCount(text: string, delimiters: readonly string[], wholeFile: boolean, headBytes: number): number {
  const counts = new Map(delimiters.map((d) => [d, 1]));
  let quoted = false;
  for (const ch of text) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && (ch === '\n' || ch === '\r')) return Math.max(...counts.values());
    else if (!quoted && counts.has(ch)) counts.set(ch, (counts.get(ch) ?? 1) + 1);
  }
  if (wholeFile) return text.trim() === '' ? 0 : Math.max(...counts.values());
  throw tooLong('the first record', headBytes);
}

function objectKeyCount(text: string, wholeFile: boolean, headBytes: number): number {
  const open = text.indexOf('{');
  if (open === -1) return 0;
  let depth = 0;
  let keys = 0;
  let inString = false;
  let sawContent = false;
  for (let i = open; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
      continue;
    }
    if (ch === '"') {
      inString = true;
      if (depth === 1) sawContent = true;
    } else if (ch === '{' || ch === '[') depth++;
    else if (ch === '}' || ch === ']') {
      depth--;
      if (depth === 0) return sawContent ? keys + 1 : 0;
    } else if (ch === ',' && depth === 1) keys++;
  }
  // A truncated object in a whole file is the engine's to report as invalid JSON.
  if (wholeFile) return sawContent ? keys + 1 : 0;
  throw tooLong('the first JSON object', headBytes);
}

function tooLong(what: string, headBytes: number): PermanentTaskError {
  return new PermanentTaskError('limit_exceeded', `${what} is longer than ${headBytes} bytes: too many columns to profile`);
}
