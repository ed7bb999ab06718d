import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { ROOT, spawnNode, stopChild, waitFor, exited, logTail } from './child';

/** A port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface Service {
  base: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Waits until `GET <base><path>` answers 2xx, failing early if the process exits. */
export async function waitReady(child: ChildProcess, url: string, what: string, timeoutMs = 60_000): Promise<void> {
  await waitFor(
    async () => {
      if (exited(child)) throw new Error(`${what} exited during start-up\n${logTail(child)}`);
      return (await fetch(url)).ok ? true : undefined;
    },
    timeoutMs,
    `${what} to be ready`,
    50,
  ).catch((err: unknown) => {
    throw exited(child) ? new Error(`${what} exited during start-up\n${logTail(child)}`) : err;
  });
}

/**
 * The BUILT API (apps/api/dist/main.js) on a free port, on loopback. Without API keys (AUTH=off)
 * and with the tenant cap out of reach, unless `env` sets them: the rows compare queueing, not
 * authentication, and an intake row queues far more than TENANT_MAX_ACTIVE_TASKS with no worker.
 */
export async function startApi(env: NodeJS.ProcessEnv, log: string, profileDir?: string): Promise<Service> {
  const port = await freePort();
  const child = spawnNode(join(ROOT, 'apps/api/dist/main.js'), { log, env: { AUTH: 'off', TENANT_MAX_ACTIVE_TASKS: '100000000', ...env, PORT: String(port), HOST: '127.0.0.1' }, ...(profileDir ? { profileDir } : {}) });
  const base = `http://127.0.0.1:${port}`;
  try {
    await waitReady(child, `${base}/readyz`, 'the API');
  } catch (err) {
    await stopChild(child, 5_000);
    throw err;
  }
  return { base, child, stop: () => stopChild(child) };
}

/** The BUILT worker (apps/worker/dist/main.js) with its health server on a free port. */
export async function startWorker(env: NodeJS.ProcessEnv, log: string, profileDir?: string): Promise<Service> {
  const port = await freePort();
  const child = spawnNode(join(ROOT, 'apps/worker/dist/main.js'), { log, env: { ...env, WORKER_HTTP_PORT: String(port) }, ...(profileDir ? { profileDir } : {}) });
  const base = `http://127.0.0.1:${port}`;
  try {
    await waitReady(child, `${base}/readyz`, 'the worker');
  } catch (err) {
    await stopChild(child, 5_000);
    throw err;
  }
  return { base, child, stop: () => stopChild(child) };
}

/** Both entry points must be built: the benches measure what ships. */
export function builtEntries(): string[] {
  return [join(ROOT, 'apps/api/dist/main.js'), join(ROOT, 'apps/worker/dist/main.js')];
}
