// `npm start`: builds what changed, then runs the API and one worker on this machine, as two
// processes. Progress goes to stderr, one line per stage; stdout carries only the processes' JSON
// logs. The API starts first; if it cannot start (no broker, bad config) its one-line error is the
// only other output and we exit with its code. Signals are forwarded so Ctrl-C and SIGTERM shut
// both down cleanly.
import { spawn, spawnSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildFingerprint, readStamp, writeStamp } from './build-stamp.mjs';

const say = (line) => process.stderr.write(`offload: ${line}\n`);

if ((await readStamp()) === (await buildFingerprint())) {
  say('build is up to date');
} else {
  say('building the API and the worker (the first time takes about a minute)…');
  const started = Date.now();
  const build = spawnSync('npx', ['turbo', 'run', 'build', '--output-logs=errors-only'], { encoding: 'utf8' });
  if (build.status !== 0) {
    process.stderr.write(`${build.stdout}${build.stderr}offload: the build failed\n`);
    process.exit(build.status ?? 1);
  }
  // After the build: its outputs are part of what the next start compares.
  await writeStamp(await buildFingerprint());
  say(`built in ${Math.round((Date.now() - started) / 1000)} s`);
}

const port = process.env.PORT ?? '3000';
const workerPort = process.env.WORKER_HTTP_PORT ?? '3001';
const children = new Set();
let stopping = false;

function start(entry) {
  const child = spawn(process.execPath, [entry], { stdio: 'inherit', env: process.env });
  children.add(child);
  child.on('exit', (code, signal) => {
    children.delete(child);
    if (!stopping) {
      stopping = true;
      for (const other of children) other.kill('SIGTERM');
      process.exitCode = code ?? (signal ? 1 : 0);
    }
  });
  return child;
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    stopping = true;
    for (const child of children) child.kill('SIGTERM');
  });
}

/** Polls `url` until it answers 200, or the process exits, or we are stopping. */
async function waitUntilUp(child, url) {
  for (;;) {
    if (child.exitCode !== null || stopping) return false;
    try {
      if ((await fetch(url)).ok) return true;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
}

say(`starting the API on port ${port}…`);
const api = start('apps/api/dist/main.js');
if (await waitUntilUp(api, `http://127.0.0.1:${port}/livez`)) {
  say(`starting a worker (its /livez, /readyz and /metrics on port ${workerPort})…`);
  const worker = start('apps/worker/dist/main.js');
  // With WORKER_HTTP_PORT=0 the worker picks a port we cannot know: then its own log says when.
  if (workerPort === '0' || (await waitUntilUp(worker, `http://127.0.0.1:${workerPort}/readyz`))) {
    say(`ready: the API is on http://localhost:${port}, the console on http://localhost:${port}/console/ (Ctrl-C stops both)`);
  }
}
