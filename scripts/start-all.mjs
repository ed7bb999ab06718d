// `npm start`: builds, then runs the API and one worker on this machine, as two processes. The API starts first;
// if it cannot start (no broker, bad config) its one-line error is the only output and we exit
// with its code. Signals are forwarded so Ctrl-C and SIGTERM shut both down cleanly.
import { spawn, spawnSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';

// Build quietly: its output matters only when it fails.
const build = spawnSync('npx', ['turbo', 'run', 'build', '--output-logs=errors-only'], { encoding: 'utf8' });
if (build.status !== 0) {
  process.stderr.write(`${build.stdout}${build.stderr}offload: the build failed\n`);
  process.exit(build.status ?? 1);
}

const port = process.env.PORT ?? '3000';
const children = new Set();
let stopping = false;

function start(name, entry) {
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

const api = start('api', 'apps/api/dist/main.js');
// Wait until the API answers (or exits) before starting the worker.
for (;;) {
  if (api.exitCode !== null || stopping) break;
  try {
    const res = await fetch(`http://127.0.0.1:${port}/livez`);
    if (res.ok) break;
  } catch {
    // not listening yet
  }
  await sleep(100);
}
if (!stopping) start('worker', 'apps/worker/dist/main.js');
