import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

export interface HelperProcess {
  process: ChildProcess;
  /** Resolves on its first message ('ready'). */
  ready: Promise<void>;
  /** Resolves when it exits 0; rejects with its stderr otherwise. */
  exited: Promise<void>;
}

/**
 * Forks `test/fixtures/<name>` with `args`. The fixtures require the built package (`npm run
 * build` runs before `npm test`), as the API and the workers do: separate processes on one store.
 */
export function forkHelper(name: string, args: readonly string[]): HelperProcess {
  const child = fork(join(__dirname, 'fixtures', name), args, { stdio: ['ignore', 'inherit', 'pipe', 'ipc'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const ready = new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`${name} exited with ${String(code)} before ready: ${stderr}`)));
  });
  const exited = new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${name} exited with ${String(code)}: ${stderr}`))));
  });
  // Either promise may end unobserved when the other rejects first.
  ready.catch(() => undefined);
  exited.catch(() => undefined);
  return { process: child, ready, exited };
}
