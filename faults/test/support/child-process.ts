import { spawn } from 'node:child_process';
import { waitUntil } from '@offload/test-support';

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A child process whose output is kept (for waits and diagnostics) and whose exit is awaited. */
export interface Child {
  readonly name: string;
  readonly pid: number;
  readonly exited: Promise<Exit>;
  /** The exit, once it happened. */
  exit(): Exit | undefined;
  /** Parsed JSON log lines (pino) from stdout, in order. */
  logLines(): readonly Record<string, unknown>[];
  stderr(): string;
  /** Waits for a stdout log line that matches; fails early if the process exits first. */
  waitForLog(match: (line: Record<string, unknown>) => boolean, timeoutMs: number, description: string): Promise<Record<string, unknown>>;
  /** Sends `signal` (if still running) and waits for the exit; SIGKILLs after `killAfterMs`. */
  stop(signal?: NodeJS.Signals, killAfterMs?: number): Promise<Exit>;
}

export function startChild(name: string, args: readonly string[], env: Record<string, string>, cwd?: string): Child {
  const child = spawn(process.execPath, args, { cwd, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${name}`);
  const lines: Record<string, unknown>[] = [];
  let partial = '';
  let err = '';
  let exit: Exit | undefined;
  child.stdout?.on('data', (chunk: Buffer) => {
    const parts = (partial + chunk.toString()).split('\n');
    partial = parts.pop() ?? '';
    for (const part of parts) lines.push(parseLine(part));
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    err += chunk.toString();
  });
  const exited = new Promise<Exit>((resolve) => {
    child.on('exit', (code, signal) => {
      exit = { code, signal };
      resolve(exit);
    });
  });

  return {
    name,
    pid,
    exited,
    exit: () => exit,
    logLines: () => lines,
    stderr: () => err,
    async waitForLog(match, timeoutMs, description) {
      const found = await waitUntil(() => lines.find(match) ?? (exit ? 'exited' : undefined), {
        timeoutMs,
        intervalMs: 20,
        description: `${name} (pid ${pid}): ${description}`,
      });
      if (found === 'exited') throw new Error(`${name} (pid ${pid}) exited before ${description}: ${err.slice(-2000)}`);
      return found;
    },
    async stop(signal = 'SIGTERM', killAfterMs = 30_000) {
      if (exit) return exit;
      child.kill(signal);
      let timer: NodeJS.Timeout | undefined;
      const overdue = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, killAfterMs);
      });
      const done = await Promise.race([exited, overdue]);
      clearTimeout(timer);
      if (done === undefined) {
        child.kill('SIGKILL');
        return exited;
      }
      return done;
    },
  };
}

export function describeExit(exit: Exit): string {
  return exit.signal === null ? `code ${String(exit.code)}` : `signal ${exit.signal}`;
}

function parseLine(line: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(line);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return { ...value };
  } catch {
    // not a log line
  }
  return { text: line };
}
