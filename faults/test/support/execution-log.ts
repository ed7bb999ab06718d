import { appendFile, readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * What fault workers did, in files under DATA_DIR, one pair per process:
 * `starts-<pid>.log` gets `<id>` each time the handler starts a task, and
 * `executions-<pid>.log` gets `<id> <sha256 of the output>` each time it completes one (after the
 * output is stored, before the worker marks the record). Each line is one small O_APPEND write; a
 * process killed mid-write leaves at most a last line without its newline, which readers ignore.
 */

export interface StartEntry {
  readonly id: string;
  readonly pid: number;
}

export interface ExecutionEntry extends StartEntry {
  readonly sha256: string;
}

export interface ExecutionLogs {
  readonly starts: readonly StartEntry[];
  readonly executions: readonly ExecutionEntry[];
}

export function appendStart(dataDir: string, id: string): Promise<void> {
  return appendFile(join(dataDir, `starts-${process.pid}.log`), `${id}\n`);
}

export function appendExecution(dataDir: string, id: string, sha256: string): Promise<void> {
  return appendFile(join(dataDir, `executions-${process.pid}.log`), `${id} ${sha256}\n`);
}

export async function readExecutionLogs(dataDir: string): Promise<ExecutionLogs> {
  const starts: StartEntry[] = [];
  const executions: ExecutionEntry[] = [];
  for (const name of await readdir(dataDir)) {
    const match = /^(starts|executions)-(\d+)\.log$/.exec(name);
    if (match === null) continue;
    const pid = Number(match[2]);
    for (const line of completeLines(await readFile(join(dataDir, name), 'utf8'))) {
      const [id = '', sha256 = ''] = line.split(' ');
      if (match[1] === 'starts') starts.push({ id, pid });
      else executions.push({ id, pid, sha256 });
    }
  }
  return { starts, executions };
}

/** Ids a process started but did not complete: what it had in flight when it died. */
export function unfinishedBy(logs: ExecutionLogs, pid: number): string[] {
  const done = new Set(logs.executions.filter((e) => e.pid === pid).map((e) => e.id));
  return [...new Set(logs.starts.filter((s) => s.pid === pid && !done.has(s.id)).map((s) => s.id))];
}

function completeLines(text: string): string[] {
  const lines = text.split('\n');
  lines.pop(); // the part after the last newline: empty, or a line cut short by a kill
  return lines.filter((line) => line !== '');
}
