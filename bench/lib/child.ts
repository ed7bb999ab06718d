import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const ROOT = resolve(__dirname, '../..');
export const OUT_DIR = join(ROOT, 'bench/out');
export const LOG_DIR = join(OUT_DIR, 'logs');

export interface SpawnOptions {
  /** Log file name under bench/out/logs (stdout and stderr of the child go there). */
  log: string;
  env?: NodeJS.ProcessEnv;
  args?: readonly string[];
  /** With an IPC channel (consumer processes report over it). */
  ipc?: boolean;
  /** Write a V8 CPU profile of the child to this directory when it exits. */
  profileDir?: string;
}

/** Runs a built .js entry with node, or a .ts entry with node --import tsx. */
export function spawnNode(entry: string, options: SpawnOptions): ChildProcess {
  mkdirSync(LOG_DIR, { recursive: true });
  const logPath = join(LOG_DIR, options.log);
  const fd = openSync(logPath, 'a');
  const nodeArgs = entry.endsWith('.ts') ? ['--import', 'tsx'] : [];
  if (options.profileDir) {
    mkdirSync(options.profileDir, { recursive: true });
    nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${options.profileDir}`);
  }
  try {
    const child = spawn(process.execPath, [...nodeArgs, entry, ...(options.args ?? [])], {
      cwd: ROOT,
      env: options.env ?? process.env,
      stdio: ['ignore', fd, fd, ...(options.ipc ? (['ipc'] as const) : [])],
    });
    childLogs.set(child, logPath);
    return child;
  } finally {
    closeSync(fd);
  }
}

const childLogs = new WeakMap<ChildProcess, string>();

/** The last lines a child wrote, for error messages. */
export function logTail(child: ChildProcess, lines = 15): string {
  const path = childLogs.get(child);
  if (!path) return '';
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

export function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** SIGTERM, then SIGKILL after `timeoutMs`; resolves once the child is gone. */
export async function stopChild(child: ChildProcess, timeoutMs = 30_000): Promise<void> {
  if (exited(child)) return;
  const gone = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  await gone;
  clearTimeout(timer);
}

/** Resolves with the first IPC message `accept` takes, rejects if the child exits first or on timeout. */
export function nextMessage<T>(child: ChildProcess, accept: (message: unknown) => T | undefined, timeoutMs: number, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: unknown) => {
      const value = accept(message);
      if (value === undefined) return;
      cleanup();
      resolve(value);
    };
    const onExit = (code: number | null, signal: string | null) => {
      cleanup();
      reject(new Error(`${what}: the process exited (${signal ?? code}) first\n${logTail(child)}`));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`${what}: no answer in ${timeoutMs} ms\n${logTail(child)}`));
    }, timeoutMs);
    const cleanup = () => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

export async function waitFor<T>(check: () => Promise<T | undefined>, timeoutMs: number, what: string, intervalMs = 20): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Runs a child to completion and parses the last line it printed on stdout as JSON. */
export function runForJson<T>(entry: string, options: Omit<SpawnOptions, 'ipc'>, timeoutMs = 10 * 60_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const nodeArgs = entry.endsWith('.ts') ? ['--import', 'tsx'] : [];
    const child = spawn(process.execPath, [...nodeArgs, entry, ...(options.args ?? [])], { cwd: ROOT, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      const last = stdout.trimEnd().split('\n').at(-1) ?? '';
      if (code !== 0) {
        reject(new Error(`${entry} exited (${signal ?? code}): ${stderr.trim().split('\n').slice(-5).join(' | ')}`));
        return;
      }
      try {
        resolve(JSON.parse(last) as T);
      } catch {
        reject(new Error(`${entry} printed no JSON result: ${last.slice(0, 200)}`));
      }
    });
  });
}
