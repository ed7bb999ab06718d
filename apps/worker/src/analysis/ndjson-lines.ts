import { createReadStream } from 'node:fs';

export interface BadLine {
  /** 1-based, blank lines counted, as an editor numbers them. */
  line: number;
  problem: 'not_json' | 'not_object';
}

/**
 * The first line of an NDJSON file that is not a JSON object, or undefined when every line is
 * one (blank lines are allowed). A line longer than `maxLineBytes` stops the search: it is never
 * held whole. Reads the file from the start, so it is for after the engine has failed on it: the
 * engine's own line numbers count records, not lines.
 */
export async function firstBadNdjsonLine(path: string, maxLineBytes: number, signal: AbortSignal): Promise<BadLine | undefined> {
  let line = 0;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  const check = (bytes: Buffer): BadLine | 'too_long' | undefined => {
    line++;
    if (bytes.length > maxLineBytes) return 'too_long';
    const decoded = bytes.toString('utf8');
    const text = (line === 1 ? decoded.replace(/^\ufeff/, '') : decoded).trim();
    if (text === '') return undefined;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return { line, problem: 'not_json' };
    }
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? undefined : { line, problem: 'not_object' };
  };
  for await (const chunk of createReadStream(path, { signal, highWaterMark: 1024 * 1024 })) {
    if (!Buffer.isBuffer(chunk)) continue;
    let start = 0;
    for (let end = chunk.indexOf(0x0a); end !== -1; end = chunk.indexOf(0x0a, start)) {
      pending.push(chunk.subarray(start, end));
      const found = check(Buffer.concat(pending));
      pending = [];
      pendingBytes = 0;
      if (found !== undefined) return found === 'too_long' ? undefined : found;
      start = end + 1;
    }
    if (pendingBytes + chunk.length - start > maxLineBytes) return undefined;
    pending.push(chunk.subarray(start));
    pendingBytes += chunk.length - start;
  }
  const last = check(Buffer.concat(pending));
  return last === 'too_long' ? undefined : last;
}
