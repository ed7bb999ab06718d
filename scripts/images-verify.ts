// `npm run images:verify`: does what docker/api.Dockerfile and docker/worker.Dockerfile do, without
// Docker. Each Dockerfile is read (scripts/dockerfile.ts) and replayed stage by stage, each stage in
// a directory of its own standing for the container's `/`:
//   COPY        the build context (with .dockerignore) or another stage's files, as written
//   RUN         npm, npx, turbo and node commands (`turbo prune`, `npm ci`, `npx turbo run build`)
//               run as written, in the stage's WORKDIR with its ENV, with no dev tool of the
//               repository on PATH; system setup (apt-get, ln, chown) needs the image and is
//               skipped, said so; a global `npm install -g turbo@X` is replaced by the repository's
//               turbo, which must be the same version
//   runtime     the final stage's CMD (behind its ENTRYPOINT when that binary is on this machine),
//               in its WORKDIR with its ENV, against the local RabbitMQ (own QUEUE_PREFIX, temp
//               DATA_DIR, free port): /readyz must answer 200 (and the API's /console/), the HEALTHCHECK command must exit 0,
//               and SIGTERM must end it with code 0 within its shutdown grace.
// Before starting, every require()/import() in the compiled output copied into the runtime stage
// must resolve from there, so a dependency that only a dev install provides fails here even when
// it is loaded lazily. The queues it declared are deleted at the end.
//
// Options: --only api|worker, --keep (leave the temp directory for a look).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, cpSync } from 'node:fs';
import { createRequire, isBuiltin } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, delimiter, dirname, join, relative, resolve } from 'node:path';
import {
  dockerignoreMatcher,
  nextWorkdir,
  parseCopy,
  parseDockerfile,
  parseEnv,
  substitute,
  summarizeStage,
  type Stage,
  type StageSummary,
} from './dockerfile';

const ROOT = resolve(__dirname, '..');
const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@localhost:5672';
const READY_DEADLINE_MS = 60_000;
/** Slack on top of the app's own shutdown grace for process teardown. */
const EXIT_SLACK_MS = 2_000;

interface AppSpec {
  readonly name: 'api' | 'worker';
  readonly dockerfile: string;
  /** The variable that holds the port /readyz is served on. */
  readonly portVar: string;
  /** The compiled config module (relative to the final WORKDIR) and its loader, for the grace. */
  readonly configModule: string;
  readonly configLoader: string;
  readonly graceVar: string;
  /** Paths besides /readyz that must answer 200 from the image (what it serves of its own). */
  readonly servedPaths: readonly string[];
}

const APPS: readonly AppSpec[] = [
  { name: 'api', dockerfile: 'docker/api.Dockerfile', portVar: 'PORT', configModule: 'dist/config.js', configLoader: 'loadApiConfig', graceVar: 'API_SHUTDOWN_GRACE_MS', servedPaths: ['/console/'] },
  { name: 'worker', dockerfile: 'docker/worker.Dockerfile', portVar: 'WORKER_HTTP_PORT', configModule: 'dist/config.js', configLoader: 'loadWorkerConfig', graceVar: 'WORKER_SHUTDOWN_GRACE_MS', servedPaths: [] },
];

class VerifyError extends Error {}

const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** PATH without any node_modules/.bin (npm run prepends the repo's: it would mask missing tools). */
function systemPath(): string {
  return (process.env.PATH ?? '')
    .split(delimiter)
    .filter((p) => p !== '' && !p.includes('node_modules/.bin'))
    .join(delimiter);
}

function which(command: string, path: string): string | undefined {
  for (const dir of path.split(delimiter)) {
    const candidate = join(dir, command);
    try {
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** What `stageLocalPrebuilds` adds to a build step's environment. */
let prebuildEnv: Record<string, string> = {};

/** Variables a build step inherits from this machine: where npm finds its config and CA. */
function machineEnv(): Record<string, string> {
  const keep = ['HOME', 'USER', 'LANG', 'TMPDIR', 'NODE_EXTRA_CA_CERTS', 'SSL_CERT_FILE', 'http_proxy', 'https_proxy', 'no_proxy', 'HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY'];
  return { ...Object.fromEntries(keep.flatMap((k) => (process.env[k] ? [[k, process.env[k] as string]] : []))), ...prebuildEnv };
}

/**
 * In a Docker build, `npm ci` installs better-sqlite3's native addon as a prebuilt binary that
 * prebuild-install downloads from the project's GitHub releases. This machine reaches the npm
 * registry but not GitHub, so every `npm ci` here would compile SQLite from source instead (minutes
 * each, four times). The addon this checkout's own install built is the same source for the same
 * Node ABI: it is handed to prebuild-install as a local prebuild (`--local-prebuilds`), which is
 * what the download would have given. Without a built addon here, the steps compile as before.
 */
function stageLocalPrebuilds(workRoot: string): string | undefined {
  const packageDir = dirname(createRequire(join(ROOT, 'packages/storage/package.json')).resolve('better-sqlite3/package.json'));
  const addon = join(packageDir, 'build/Release/better_sqlite3.node');
  if (!existsSync(addon)) return undefined;
  const { version } = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { version: string };
  const dir = join(workRoot, 'prebuilds');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `better-sqlite3-v${version}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`);
  execFileSync('tar', ['-czf', file, '-C', packageDir, 'build/Release/better_sqlite3.node']);
  prebuildEnv = { npm_config_better_sqlite3_local_prebuilds: dir };
  return basename(file);
}

function run(command: string, args: readonly string[], options: { cwd: string; env: Record<string, string>; log: string }): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const out = createWriteStream(options.log, { flags: 'a' });
    out.write(`\n$ ${[command, ...args].join(' ')}   (in ${options.cwd})\n`);
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.pipe(out, { end: false });
    child.stderr.pipe(out, { end: false });
    child.on('error', (err) => reject(err));
    child.on('close', (code, signal) => {
      out.end(() => {
        if (code === 0) resolvePromise();
        else reject(new VerifyError(`\`${[command, ...args].join(' ')}\` failed (${signal ?? `exit ${String(code)}`}); its output:\n${tail(options.log, 40)}`));
      });
    });
  });
}

function tail(file: string, lines: number): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).map((l) => `    | ${l}`).join('\n');
  } catch {
    return '    | (no output)';
  }
}

function freePort(): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePromise(port));
    });
  });
}

/** Splits `a && b && c` outside quotes. */
export function andSegments(command: string): string[] {
  const segments: string[] = [];
  let current = '';
  let quote: string | undefined;
  for (let i = 0; i < command.length; i++) {
    const c = command[i] as string;
    if (quote) {
      if (c === quote) quote = undefined;
      current += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      current += c;
    } else if (c === '&' && command[i + 1] === '&') {
      segments.push(current.trim());
      current = '';
      i++;
    } else current += c;
  }
  if (current.trim() !== '') segments.push(current.trim());
  return segments;
}

/**
 * How a RUN segment is replayed: `run` (npm, npx, turbo, node: the app's own steps, run as
 * written), `global-tool` (`npm install --global …`: this machine uses the repository's copy),
 * `system` (apt-get, ln, chown…: needs the image, skipped and said so).
 */
export function classifyRunSegment(segment: string): 'run' | 'global-tool' | 'system' {
  const words = segment.trim().split(/\s+/);
  if (words[0] === 'npm' && (words[1] === 'install' || words[1] === 'i') && (words.includes('--global') || words.includes('-g'))) return 'global-tool';
  return ['npm', 'npx', 'turbo', 'node'].includes(words[0] as string) ? 'run' : 'system';
}

function rootTurboVersion(): string {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'node_modules/turbo/package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

interface StageState {
  readonly root: string;
  workdir: string;
  env: Record<string, string>;
}

/** Container path → the directory standing for it in a stage. */
function hostPath(state: StageState, containerPath: string): string {
  const absolute = containerPath.startsWith('/') ? containerPath : nextWorkdir(state.workdir, containerPath);
  return join(state.root, absolute);
}

/** The replay of one Dockerfile's stages; returns each stage's directory state. */
async function replay(app: AppSpec, stages: readonly Stage[], work: string, toolBin: string, log: string): Promise<Map<string, StageState>> {
  const ignored = dockerignoreMatcher(existsSync(join(ROOT, '.dockerignore')) ? readFileSync(join(ROOT, '.dockerignore'), 'utf8') : '');
  const states = new Map<string, StageState>();
  for (const stage of stages) {
    const root = join(work, `stage-${stage.name}`);
    mkdirSync(root, { recursive: true });
    const earlier = states.get(stage.base);
    if (earlier) cpSync(earlier.root, root, { recursive: true, verbatimSymlinks: true });
    const state: StageState = { root, workdir: earlier?.workdir ?? '/', env: { ...(earlier?.env ?? {}) } };
    states.set(stage.name, state);
    const tag = `  ${app.name} ${stage.name.padEnd(8)}`;
    for (const instruction of stage.instructions) {
      const t0 = Date.now();
      switch (instruction.keyword) {
        case 'ENV':
          for (const [name, value] of parseEnv(instruction.args, state.env)) state.env[name] = value;
          break;
        case 'WORKDIR':
          state.workdir = nextWorkdir(state.workdir, substitute(instruction.args, state.env));
          mkdirSync(hostPath(state, state.workdir), { recursive: true });
          break;
        case 'COPY': {
          const spec = parseCopy(instruction);
          const source = spec.from === undefined ? undefined : states.get(spec.from);
          if (spec.from !== undefined && !source) throw new VerifyError(`${app.dockerfile}:${instruction.line}: COPY --from=${spec.from}: no such earlier stage`);
          let files = 0;
          for (const src of spec.sources) {
            const from = source ? join(source.root, src) : join(ROOT, src);
            if (!existsSync(from)) throw new VerifyError(`${app.dockerfile}:${instruction.line}: COPY source ${src} does not exist${source ? ` in stage ${spec.from as string}` : ' in the build context'}`);
            const destIsDir = spec.dest.endsWith('/') || spec.sources.length > 1 || statSync(from).isDirectory();
            const dest = hostPath(state, spec.dest);
            const target = destIsDir && !statSync(from).isDirectory() ? join(dest, basename(from)) : dest;
            mkdirSync(statSync(from).isDirectory() ? target : dirname(target), { recursive: true });
            cpSync(from, target, {
              recursive: true,
              verbatimSymlinks: true,
              filter: (path) => {
                if (source) return true;
                const rel = relative(ROOT, path);
                if (rel === '' || !ignored(rel)) {
                  if (rel !== '' && statSync(path).isFile()) files++;
                  return true;
                }
                return false;
              },
            });
          }
          say(`${tag} COPY ${spec.from ? `--from=${spec.from} ` : ''}${spec.sources.join(' ')} ${spec.dest}${source ? '' : `   (${files} files of the context, .dockerignore applied)`}`);
          break;
        }
        case 'RUN': {
          const ran: string[] = [];
          const skipped: string[] = [];
          for (const segment of andSegments(instruction.args)) {
            const kind = classifyRunSegment(segment);
            if (kind === 'global-tool') {
              const turbo = segment.split(/\s+/).find((w) => w.startsWith('turbo@'));
              if (turbo && turbo !== `turbo@${rootTurboVersion()}`) {
                throw new VerifyError(`${app.dockerfile}:${instruction.line}: the image installs ${turbo}, the repository pins turbo@${rootTurboVersion()}`);
              }
              skipped.push(`${segment} (this machine: the repository's turbo@${rootTurboVersion()})`);
              continue;
            }
            if (kind === 'system') {
              skipped.push(segment);
              continue;
            }
            const env = { ...machineEnv(), PATH: `${toolBin}${delimiter}${systemPath()}`, ...state.env };
            const cwd = hostPath(state, state.workdir);
            await run('sh', ['-c', segment], { cwd, env, log });
            ran.push(segment);
          }
          if (ran.length) say(`${tag} RUN ${ran.join(' && ')}   (${secs(Date.now() - t0)})`);
          if (skipped.length) say(`${tag} skip RUN ${skipped.join(' && ').slice(0, 110)}${skipped.join(' && ').length > 110 ? '…' : ''}   (system setup: the image only)`);
          break;
        }
        default:
          break;
      }
    }
  }
  return states;
}

/** Every bare module a compiled file requires or imports must resolve from where it lies. */
function checkRequires(dirs: readonly string[], top: string): { files: number; packages: Set<string> } {
  const packages = new Set<string>();
  const missing: string[] = [];
  let files = 0;
  const visit = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) visit(path);
      else if (entry.name.endsWith('.js') || entry.name.endsWith('.cjs') || entry.name.endsWith('.mjs')) {
        files++;
        const source = readFileSync(path, 'utf8');
        for (const match of source.matchAll(/\b(?:require|import)\(\s*["']([^"'./][^"']*)["']\s*\)|\bfrom\s+["']([^"'./][^"']*)["']/g)) {
          const spec = (match[1] ?? match[2]) as string;
          if (isBuiltin(spec)) continue;
          const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : (spec.split('/')[0] as string);
          packages.add(name);
          if (!findPackage(dirname(path), name, top)) missing.push(`${name} (required by ${path})`);
        }
      }
    }
  };
  for (const dir of dirs) visit(dir);
  if (missing.length) {
    throw new VerifyError(`the production install lacks what the compiled code requires (a runtime dependency listed as a devDependency?):\n${[...new Set(missing)].map((m) => `    ${m}`).join('\n')}`);
  }
  return { files, packages };
}

/** Node's lookup: node_modules/<name> in this directory or a parent, up to `top` (the stage's `/`). */
function findPackage(from: string, name: string, top: string): boolean {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'node_modules', name, 'package.json'))) return true;
    if (dir === top || dirname(dir) === dir) return false;
  }
}

/** LD_PRELOAD paths that the image creates (a symlink) are looked up by name on this machine. */
function localPreload(value: string): { value: string | undefined; note: string | undefined } {
  const kept: string[] = [];
  const notes: string[] = [];
  for (const lib of value.split(/[\s:]+/).filter(Boolean)) {
    if (existsSync(lib)) {
      kept.push(lib);
      continue;
    }
    const multiarch = ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64', '/usr/lib'].map((d) => join(d, basename(lib))).find((p) => existsSync(p));
    if (multiarch) {
      kept.push(multiarch);
      notes.push(`LD_PRELOAD ${lib} → ${multiarch} on this machine`);
    } else notes.push(`LD_PRELOAD ${lib}: not installed on this machine, left out (apt-get install libjemalloc2 to include it)`);
  }
  return { value: kept.length ? kept.join(':') : undefined, note: notes.length ? notes.join('; ') : undefined };
}

function waitForExit(child: ChildProcess, ms: number): Promise<{ code: number | null; signal: NodeJS.Signals | null } | undefined> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolvePromise) => {
    const timer = setTimeout(() => resolvePromise(undefined), ms);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code, signal });
    });
  });
}

async function httpStatus(url: string): Promise<number | undefined> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return undefined;
  }
}

async function startAndStop(app: AppSpec, runtime: StageState, summary: StageSummary, work: string, buildRoot: string): Promise<void> {
  const tag = `  ${app.name} ${'start'.padEnd(8)}`;
  const port = await freePort();
  const prefix = `verify-${randomUUID().slice(0, 8)}`;
  const dataDir = join(work, 'data');
  const home = join(work, 'home');
  mkdirSync(dataDir, { recursive: true });
  mkdirSync(home, { recursive: true });
  const env: Record<string, string> = {
    PATH: systemPath(),
    HOME: home,
    ...summary.env,
    AMQP_URL,
    QUEUE_PREFIX: prefix,
    DATA_DIR: dataDir,
    [app.portVar]: String(port),
  };
  if (env.LD_PRELOAD) {
    const preload = localPreload(env.LD_PRELOAD);
    if (preload.value) env.LD_PRELOAD = preload.value;
    else delete env.LD_PRELOAD;
    if (preload.note) say(`${tag} ${preload.note}`);
  }
  const cwd = hostPath(runtime, summary.workdir);
  let command = [...summary.entrypoint, ...summary.cmd];
  if (summary.entrypoint.length && !which(summary.entrypoint[0] as string, systemPath())) {
    say(`${tag} ${summary.entrypoint[0] as string} (the ENTRYPOINT) is not installed here: running the CMD alone (apt-get install ${summary.entrypoint[0] as string} to include it)`);
    command = [...summary.cmd];
  }
  const overridden = ['AMQP_URL', 'QUEUE_PREFIX', 'DATA_DIR', app.portVar];
  say(`${tag} ${command.join(' ')}   in ${summary.workdir}, ENV ${Object.keys(summary.env).join(' ')}; set here: ${overridden.join(' ')} (port ${port}, prefix ${prefix}); node ${process.version} (the image pins its own)`);
  const log = join(work, `${app.name}.log`);
  const out = createWriteStream(log);
  const t0 = Date.now();
  const child = spawn(command[0] as string, command.slice(1), { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.pipe(out);
  child.stderr?.pipe(out);
  let spawnError: Error | undefined;
  child.once('error', (err) => {
    spawnError = err;
  });
  try {
    const readyz = `http://127.0.0.1:${port}/readyz`;
    for (;;) {
      if (spawnError) throw new VerifyError(`${app.name}: cannot start ${command.join(' ')}: ${spawnError.message}`);
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new VerifyError(`${app.name} exited (${child.signalCode ?? `code ${String(child.exitCode)}`}) before /readyz answered 200; its output:\n${tail(log, 30)}`);
      }
      if ((await httpStatus(readyz)) === 200) break;
      if (Date.now() - t0 > READY_DEADLINE_MS) throw new VerifyError(`${app.name}: /readyz did not answer 200 within ${secs(READY_DEADLINE_MS)}; its output:\n${tail(log, 30)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const readyAfter = Date.now() - t0;
    const health = summary.healthcheck;
    if (!health) throw new VerifyError(`${app.dockerfile} has no HEALTHCHECK`);
    await run(health.cmd[0] as string, health.cmd.slice(1), { cwd, env, log: join(work, `${app.name}-healthcheck.log`) }).catch((err: unknown) => {
      throw new VerifyError(`${app.name}: the HEALTHCHECK command failed while /readyz is 200: ${err instanceof Error ? err.message : String(err)}`);
    });
    say(`${tag} /readyz 200 after ${secs(readyAfter)}; the HEALTHCHECK command exits 0`);
    for (const path of app.servedPaths) {
      const status = await httpStatus(`http://127.0.0.1:${port}${path}`);
      if (status !== 200) throw new VerifyError(`${app.name}: ${path} answered ${String(status)}, not 200: the image lacks what it serves there`);
      say(`${tag} ${path} 200`);
    }

    // The grace the running configuration has, read through the compiled config module itself.
    const requireFromRuntime = createRequire(join(cwd, 'package.json'));
    const config = requireFromRuntime(`./${app.configModule}`) as Record<string, (env: Record<string, string>) => Record<string, unknown>>;
    const loader = config[app.configLoader];
    if (typeof loader !== 'function') throw new VerifyError(`${app.configModule} has no ${app.configLoader}`);
    const graceMs = Number(loader(env)[app.graceVar]);
    const t1 = Date.now();
    child.kill('SIGTERM');
    const exit = await waitForExit(child, graceMs + EXIT_SLACK_MS);
    if (!exit) throw new VerifyError(`${app.name}: still running ${secs(graceMs + EXIT_SLACK_MS)} after SIGTERM (${app.graceVar} = ${graceMs}); its output:\n${tail(log, 30)}`);
    if (exit.code !== 0) throw new VerifyError(`${app.name}: SIGTERM ended it with ${exit.signal ?? `code ${String(exit.code)}`}, not 0; its output:\n${tail(log, 30)}`);
    say(`${tag} SIGTERM → exit 0 after ${secs(Date.now() - t1)} (${app.graceVar} ${graceMs} ms)`);
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await waitForExit(child, 5_000);
    }
    await deleteQueues(buildRoot, prefix).catch((err: unknown) => say(`  ${app.name} could not delete the queues of ${prefix}: ${err instanceof Error ? err.message : String(err)}`));
  }
}

/** deleteTestTopology from @offload/test-support, as built in the build stage. */
async function deleteQueues(buildRoot: string, prefix: string): Promise<void> {
  const requireFromBuild = createRequire(join(buildRoot, 'package.json'));
  const support = requireFromBuild('@offload/test-support') as { deleteTestTopology: (prefix: string, url?: string) => Promise<void> };
  await support.deleteTestTopology(prefix, AMQP_URL);
}

async function verify(app: AppSpec, workRoot: string): Promise<void> {
  const t0 = Date.now();
  const dockerfile = parseDockerfile(readFileSync(join(ROOT, app.dockerfile), 'utf8'));
  const stages = dockerfile.stages;
  const final = stages.at(-1) as Stage;
  say(`images:verify: ${app.name} — ${app.dockerfile} (stages ${stages.map((s) => s.name).join(' → ')}, base ${final.base})`);
  const work = join(workRoot, app.name);
  mkdirSync(work, { recursive: true });
  // Only the global tools the image installs (turbo) are on PATH, never the repository's dev tools.
  const toolBin = join(work, 'bin');
  mkdirSync(toolBin);
  symlinkSync(join(ROOT, 'node_modules/.bin/turbo'), join(toolBin, 'turbo'));
  const log = join(work, 'build.log');
  const states = await replay(app, stages, work, toolBin, log);
  const runtime = states.get(final.name) as StageState;
  const summary = summarizeStage(final);
  const buildStage = stages.find((s) => final.instructions.some((i) => i.keyword === 'COPY' && i.flags.from === s.name && parseCopy(i).sources.some((src) => src.includes('/dist'))));
  const buildState = buildStage ? states.get(buildStage.name) : undefined;
  if (!buildState) throw new VerifyError(`${app.dockerfile}: the runtime stage copies no dist from a build stage`);
  const buildWorkdir = summarizeStage(buildStage as Stage).workdir;

  // Production dependencies only, and everything the compiled code needs is among them.
  const runtimeWorkdir = hostPath(runtime, summary.workdir);
  for (const devOnly of ['typescript', 'jest', 'turbo']) {
    if (findPackage(runtimeWorkdir, devOnly, runtime.root)) throw new VerifyError(`${app.name}: the runtime stage has ${devOnly} installed: not a production-only install`);
  }
  const distDirs = summary.copies.filter((c) => c.from === buildStage?.name).map((c) => hostPath(runtime, c.destPath));
  const scanned = checkRequires(distDirs, runtime.root);
  say(`  ${app.name} ${'runtime'.padEnd(8)} production-only install (no typescript, jest, turbo); every require() of the ${scanned.files} compiled files resolves (${scanned.packages.size} packages)`);

  await startAndStop(app, runtime, summary, work, hostPath(buildState, buildWorkdir));
  say(`  ${app.name} ok in ${secs(Date.now() - t0)}`);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const keep = args.includes('--keep');
  const onlyIndex = args.indexOf('--only');
  const only = onlyIndex >= 0 ? args[onlyIndex + 1] : undefined;
  const apps = APPS.filter((a) => !only || a.name === only);
  if (apps.length === 0) throw new VerifyError(`--only takes ${APPS.map((a) => a.name).join(' or ')}`);
  const started = Date.now();
  const workRoot = mkdtempSync(join(tmpdir(), 'offload-images-verify-'));
  const results: string[] = [];
  try {
    const prebuild = stageLocalPrebuilds(workRoot);
    say(
      prebuild === undefined
        ? 'images:verify: better-sqlite3 has no built addon here: each npm ci compiles it'
        : `images:verify: npm ci takes better-sqlite3's addon from this checkout (${prebuild}), as a Docker build downloads the prebuilt one`,
    );
    for (const app of apps) {
      await verify(app, workRoot);
      results.push(`${app.name} ok`);
    }
  } finally {
    if (keep) say(`images:verify: kept ${workRoot}`);
    else rmSync(workRoot, { recursive: true, force: true });
  }
  say(`images:verify: done in ${secs(Date.now() - started)}`);
  say(`images:verify: ${results.join(', ')}`);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`images:verify: FAILED: ${err instanceof VerifyError ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}
