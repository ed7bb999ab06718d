import { spawn } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TEST_AMQP_URL, deleteTestTopology, tempDataDir, uniquePrefix, waitUntil } from '@offload/test-support';
import { REPO_ROOT, freePort } from './processes';

interface StartRun {
  stderrLines: () => string[];
  stdout: () => string;
  stop: () => Promise<number | null>;
}

/** `npm start`'s script, as npm runs it, with its own ports, queues, data and build stamp. */
function startAll(env: Record<string, string>): StartRun {
  const child = spawn(process.execPath, ['scripts/start-all.mjs'], { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    stderrLines: () => err.split('\n').filter((l) => l !== ''),
    stdout: () => out,
    stop: async () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

describe('npm start', () => {
  const prefix = uniquePrefix();
  let dataDir: { path: string; remove: () => Promise<void> };
  let stampDir: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    dataDir = await tempDataDir('offload-e2e-start');
    stampDir = await mkdtemp(join(tmpdir(), 'offload-stamp-'));
    env = {
      AMQP_URL: TEST_AMQP_URL,
      QUEUE_PREFIX: prefix,
      DATA_DIR: dataDir.path,
      HOST: '127.0.0.1',
      PORT: String(await freePort()),
      WORKER_HTTP_PORT: String(await freePort()),
      OFFLOAD_BUILD_STAMP: join(stampDir, 'stamp'),
    };
  });

  afterAll(async () => {
    await deleteTestTopology(prefix);
    await dataDir.remove();
    await rm(stampDir, { recursive: true, force: true });
  });

  const ready = (run: StartRun) => waitUntil(() => run.stderrLines().some((l) => l.startsWith('offload: ready:')), { timeoutMs: 120_000, description: 'npm start to say it is ready' });

  it('says what it does, one line per stage, makes and shows a first API key, and builds nothing the second time when nothing changed', async () => {
    const first = startAll(env);
    await ready(first);
    // The API's lines about the key it made come while the worker starts: apart from the stages.
    const banner = (l: string) => /^offload: (created the first API key|    ofk_|use it as|or sign in|more keys)/.test(l);
    expect(first.stderrLines().filter((l) => !banner(l))).toEqual([
      'offload: building the API and the worker (the first time takes about a minute)…',
      expect.stringMatching(/^offload: built in \d+ s$/),
      `offload: starting the API on port ${env.PORT}…`,
      `offload: starting a worker (its /livez, /readyz and /metrics on port ${env.WORKER_HTTP_PORT})…`,
      `offload: ready: the API is on http://localhost:${env.PORT}, the console on http://localhost:${env.PORT}/console/ (Ctrl-C stops both)`,
    ]);
    expect(first.stderrLines().filter(banner)).toEqual([
      'offload: created the first API key, "admin" (scope admin); it is shown this once, keep it:',
      expect.stringMatching(/^offload: {5}ofk_[A-Za-z0-9_-]{43}$/),
      `offload: use it as: curl -H "Authorization: Bearer $KEY" http://localhost:${env.PORT}/v1/tasks`,
      `offload: or sign in with it to the console: http://localhost:${env.PORT}/console/`,
      'offload: more keys: npm run --silent keys -- create --name NAME --tenant TENANT --scopes tasks:write,tasks:read',
    ]);
    const key = /ofk_[A-Za-z0-9_-]{43}/.exec(first.stderrLines().join('\n'))?.[0] ?? 'no key printed';
    // Never an open API: without the key 401, with it 200.
    const tasks = `http://127.0.0.1:${env.PORT}/v1/tasks`;
    expect((await fetch(tasks)).status).toBe(401);
    expect((await fetch(tasks, { headers: { Authorization: `Bearer ${key}` } })).status).toBe(200);
    expect(await first.stop()).toBe(0);
    // Only JSON log lines on stdout.
    for (const line of first.stdout().split('\n').filter((l) => l !== '')) expect(() => JSON.parse(line) as unknown).not.toThrow();

    const builtAt = (await stat(join(REPO_ROOT, 'apps/api/dist/main.js'))).mtimeMs;
    const second = startAll(env);
    await ready(second);
    expect(second.stderrLines()[0]).toBe('offload: build is up to date');
    // The store has a key now: no new one, and the first still works.
    expect(second.stderrLines().filter((l) => l.includes('ofk_'))).toEqual([]);
    expect((await fetch(`http://127.0.0.1:${env.PORT}/v1/tasks`, { headers: { Authorization: `Bearer ${key}` } })).status).toBe(200);
    expect((await stat(join(REPO_ROOT, 'apps/api/dist/main.js'))).mtimeMs).toBe(builtAt);
    expect(await second.stop()).toBe(0);
  });
});
