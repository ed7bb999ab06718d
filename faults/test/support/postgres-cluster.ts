import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './free-port';

/**
 * A PostgreSQL cluster of a test file's own (initdb + pg_ctl), so it can be stopped and crashed
 * without touching the shared server on 5432 that the other tests use. initdb and postgres refuse
 * to run as root: as root the suite runs them as the `postgres` user (`runuser`), in a directory
 * that user owns. The cluster listens on 127.0.0.1 only, on a free port, with its socket in its own
 * directory and trust authentication (local and 127.0.0.1).
 */
export interface PostgresCluster {
  readonly port: number;
  /** Owned by the user the server runs as: `data/` (PGDATA), the server log and the socket. */
  readonly dir: string;
  /** `postgres://postgres@127.0.0.1:<port>/postgres`. */
  readonly url: string;
}

/**
 * How a test stops the server: `fast` ends every session and checkpoints (an orderly stop);
 * `immediate` kills every server process without a checkpoint, a crash: the next start replays
 * the WAL.
 */
export type PostgresStop = 'fast' | 'immediate';

const exec = promisify(execFile);
const DIR_PREFIX = 'offload-faults-pg-';
const SERVER_USER = 'postgres';
const COMMAND_TIMEOUT_MS = 60_000;
const PG_ROOT = '/usr/lib/postgresql';

const dataDir = (cluster: Pick<PostgresCluster, 'dir'>) => join(cluster.dir, 'data');
const logFile = (cluster: Pick<PostgresCluster, 'dir'>) => join(cluster.dir, 'server.log');

/**
 * The directory holding initdb and pg_ctl: Debian keeps them out of PATH, under
 * /usr/lib/postgresql/<version>/bin (the newest installed version is taken); elsewhere, PATH.
 */
async function binDir(): Promise<string> {
  const versions = existsSync(PG_ROOT) ? await readdir(PG_ROOT) : [];
  const newest = versions
    .filter((v) => existsSync(join(PG_ROOT, v, 'bin', 'pg_ctl')) && existsSync(join(PG_ROOT, v, 'bin', 'initdb')))
    .sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a))[0];
  if (newest !== undefined) return join(PG_ROOT, newest, 'bin');
  try {
    const { stdout } = await exec('sh', ['-c', 'dirname "$(command -v pg_ctl)"']);
    if (existsSync(join(stdout.trim(), 'initdb'))) return stdout.trim();
  } catch {
    // reported below
  }
  throw new Error(`the faults suite starts a PostgreSQL cluster of its own and needs initdb and pg_ctl (apt-get install postgresql): none under ${PG_ROOT}/*/bin or on PATH`);
}

const asRoot = () => process.getuid?.() === 0;

/** Runs a PostgreSQL program as the user that owns the cluster (postgres when we are root). */
async function pgRun(program: string, args: readonly string[]): Promise<string> {
  const bin = join(await binDir(), program);
  const [file, argv] = asRoot() ? ['runuser', ['-u', SERVER_USER, '--', bin, ...args]] : [bin, [...args]];
  try {
    // pg_ctl's server inherits these pipes: its log goes to a file (-l), so they close.
    const { stdout } = await exec(file, argv, { timeout: COMMAND_TIMEOUT_MS, cwd: tmpdir(), env: { ...process.env, LC_ALL: 'C' } });
    return stdout;
  } catch (err) {
    throw new Error(`${program} ${args.join(' ')} failed: ${commandError(err)}`, { cause: err });
  }
}

/** initdb, configuration, start; waits until it accepts connections. Throws, having cleaned up, if it cannot. */
export async function startPostgresCluster(): Promise<PostgresCluster> {
  await reapAbandonedClusters();
  const dir = await mkdtemp(join(tmpdir(), `${DIR_PREFIX}${process.pid}-`));
  const port = await freePort();
  const cluster: PostgresCluster = { port, dir, url: `postgres://postgres@127.0.0.1:${port}/postgres` };
  try {
    if (asRoot()) await exec('chown', [`${SERVER_USER}:`, dir]);
    // The server user must reach the directory; mkdtemp made it 0700.
    await chmod(dir, 0o755);
    // --no-sync: a crashed initdb is simply redone; the cluster's own commits still fsync.
    await pgRun('initdb', ['-D', dataDir(cluster), '-U', 'postgres', '--auth-local=trust', '--auth-host=trust', '--no-sync', '--no-instructions', '-E', 'UTF8']);
    // Written as root, read by the server: world-readable is enough.
    await writeFile(join(dataDir(cluster), 'pg_hba.conf'), 'local all all trust\nhost all all 127.0.0.1/32 trust\n');
    const conf = [
      `port = ${cluster.port}`,
      `listen_addresses = '127.0.0.1'`,
      `unix_socket_directories = '${dir}'`,
      'max_connections = 100',
      // Small and quick: a few hundred task records.
      'shared_buffers = 16MB',
      `logging_collector = off`,
    ].join('\n');
    await writeFile(join(dataDir(cluster), 'postgresql.auto.conf'), `${conf}\n`);
    if (asRoot()) await exec('chown', [`${SERVER_USER}:`, join(dataDir(cluster), 'pg_hba.conf'), join(dataDir(cluster), 'postgresql.auto.conf')]);
    await startServer(cluster);
    return cluster;
  } catch (err) {
    await removePostgresCluster(cluster).catch(() => undefined);
    throw new Error(`${err instanceof Error ? err.message : String(err)}${await logTail(cluster)}`, { cause: err });
  }
}

/** Starts the server on its existing data directory and waits until it accepts connections. */
async function startServer(cluster: PostgresCluster): Promise<void> {
  await pgRun('pg_ctl', ['start', '-D', dataDir(cluster), '-l', logFile(cluster), '-w', '-t', '60']);
}

async function stopServer(cluster: PostgresCluster, mode: PostgresStop): Promise<void> {
  await pgRun('pg_ctl', ['stop', '-D', dataDir(cluster), '-m', mode, '-w', '-t', '60']);
}

/** Stops the server now (`immediate`: no checkpoint, nothing kept) and deletes its directory. */
export async function removePostgresCluster(cluster: Pick<PostgresCluster, 'dir'>): Promise<void> {
  try {
    if (existsSync(join(dataDir(cluster), 'postmaster.pid'))) await pgRun('pg_ctl', ['stop', '-D', dataDir(cluster), '-m', 'immediate', '-w', '-t', '30']);
  } finally {
    await rm(cluster.dir, { recursive: true, force: true });
  }
}

/** What one outage looked like from the suite's side. */
export interface PostgresOutage<T> {
  /** What `fault` returned. */
  value: T;
  /** When the stop command was issued (Date.now()). */
  stoppingAt: number;
  /** From the stop command's start to its end (the server is down once it returns). */
  stopMs: number;
  /** From the start command's start until the server accepts connections again. */
  startMs: number;
  /** When the server was up again (Date.now()). */
  upAt: number;
}

/**
 * Stops the server (`mode`), runs `fault` while it is down, and always starts it again, even when
 * `fault` throws, so a failing test never leaves its system without a database.
 */
export async function withPostgresDown<T>(cluster: PostgresCluster, mode: PostgresStop, fault: () => Promise<T>): Promise<PostgresOutage<T>> {
  const stopping = Date.now();
  await stopServer(cluster, mode);
  const stopMs = Date.now() - stopping;
  let value: T;
  let starting = 0;
  try {
    value = await fault();
  } finally {
    starting = Date.now();
    await startServer(cluster);
  }
  const upAt = Date.now();
  return { value, stoppingAt: stopping, stopMs, startMs: upAt - starting, upAt };
}

/**
 * A run that was killed (so no afterAll ran) leaves its cluster running and its directory behind.
 * The directory carries the pid of the jest process that made it; this removes those whose process
 * is gone. Only directories with our prefix are touched, never the shared server.
 */
async function reapAbandonedClusters(): Promise<void> {
  const pattern = new RegExp(`^${DIR_PREFIX}(\\d+)-`);
  for (const entry of await readdir(tmpdir())) {
    const owner = pattern.exec(entry)?.[1];
    if (owner === undefined || isAlive(Number(owner))) continue;
    const dir = join(tmpdir(), entry);
    if (!(await stat(dir)).isDirectory()) continue;
    await removePostgresCluster({ dir }).catch(() => undefined);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function logTail(cluster: Pick<PostgresCluster, 'dir'>): Promise<string> {
  const log = await readFile(logFile(cluster), 'utf8').catch(() => '');
  const lines = log.trim().split('\n').slice(-10);
  return log === '' ? '' : `\nserver log:\n${lines.join('\n')}`;
}

function commandError(err: unknown): string {
  if (typeof err === 'object' && err !== null) {
    const stderr: unknown = Reflect.get(err, 'stderr');
    const stdout: unknown = Reflect.get(err, 'stdout');
    const text = [stderr, stdout].filter((s): s is string => typeof s === 'string' && s.trim() !== '').join('\n').trim();
    if (text !== '') return text.split('\n').slice(0, 8).join('\n');
  }
  return err instanceof Error ? err.message : String(err);
}
