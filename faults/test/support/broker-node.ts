import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './free-port';

/**
 * A RabbitMQ node of the faults suite's own, so tests can stop and start it without touching the
 * shared broker at 127.0.0.1:5672. Debian's `rabbitmq-server` wrapper re-runs itself as the
 * `rabbitmq` user (`su rabbitmq`, which keeps RABBITMQ_* variables), so the node's directory is
 * chowned to that user. The node gets its own config file: the machine's
 * /etc/rabbitmq/rabbitmq.conf sets `listeners.tcp.local = 127.0.0.1:5672`, which wins over
 * RABBITMQ_NODE_PORT, so a node started with it fails to boot with `eaddrinuse`.
 */
export interface BrokerNode {
  /** Erlang node name, `offload-faults-<pid>@localhost`. */
  readonly name: string;
  readonly port: number;
  readonly distPort: number;
  /** Owned by the rabbitmq user; holds mnesia, logs, pid file, config and plugins file. */
  readonly dir: string;
  /** `amqp://guest:guest@localhost:<port>`: guest may log in from localhost only, which this is. */
  readonly url: string;
}

const exec = promisify(execFile);
const NODE_PREFIX = 'offload-faults-';
const ENV_VAR = 'OFFLOAD_FAULTS_BROKER_NODE';
/** rabbitmqctl itself takes a distribution port in 35672–35682 (rabbitmq-env's CLI range). */
const CLI_DIST_PORTS = { min: 35672, max: 35682 };
const COMMAND_TIMEOUT_MS = 60_000;

/** The environment of the node and its CLI: ours alone, whatever RABBITMQ_* the shell set. */
function nodeEnv(node: BrokerNode): NodeJS.ProcessEnv {
  const inherited = Object.entries(process.env).filter(([name]) => !name.startsWith('RABBITMQ_'));
  return {
    ...Object.fromEntries(inherited),
    RABBITMQ_NODENAME: node.name,
    RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
    RABBITMQ_NODE_PORT: String(node.port),
    RABBITMQ_DIST_PORT: String(node.distPort),
    RABBITMQ_MNESIA_BASE: join(node.dir, 'mnesia'),
    RABBITMQ_LOG_BASE: join(node.dir, 'log'),
    RABBITMQ_PID_FILE: pidFile(node),
    RABBITMQ_ENABLED_PLUGINS_FILE: join(node.dir, 'enabled_plugins'),
    RABBITMQ_CONFIG_FILE: join(node.dir, 'rabbitmq.conf'),
  };
}

const pidFile = (node: BrokerNode) => join(node.dir, 'rabbitmq.pid');

async function rabbitmqctl(node: BrokerNode, ...args: string[]): Promise<string> {
  try {
    const { stdout } = await exec('rabbitmqctl', ['-n', node.name, ...args], { env: nodeEnv(node), timeout: COMMAND_TIMEOUT_MS });
    return stdout;
  } catch (err) {
    throw new Error(`rabbitmqctl ${args.join(' ')} on ${node.name} failed: ${commandError(err)}${await logTail(node)}`, { cause: err });
  }
}

/** Starts a fresh node and waits until it serves AMQP. Throws, having cleaned up, if it cannot. */
export async function startBrokerNode(): Promise<BrokerNode> {
  await assertCanRunNode();
  await reapAbandonedNodes();
  const dir = await mkdtemp(join(tmpdir(), `${NODE_PREFIX}${process.pid}-`));
  const port = await freePort(CLI_DIST_PORTS);
  const distPort = await freePort(CLI_DIST_PORTS);
  const node: BrokerNode = { name: `${NODE_PREFIX}${process.pid}@localhost`, port, distPort, dir, url: `amqp://guest:guest@localhost:${port}` };
  try {
    await mkdir(join(dir, 'mnesia'));
    await mkdir(join(dir, 'log'));
    await writeFile(join(dir, 'enabled_plugins'), '');
    await writeFile(join(dir, 'rabbitmq.conf'), `listeners.tcp.local = 127.0.0.1:${port}\n`);
    await exec('chown', ['-R', 'rabbitmq:rabbitmq', dir]);
    await bootNode(node);
    return node;
  } catch (err) {
    await stopBrokerNode(node).catch(() => undefined);
    throw err;
  }
}

/** Starts the Erlang VM of `node` (its files are in place) and waits for the rabbit application. */
async function bootNode(node: BrokerNode): Promise<void> {
  await exec('rabbitmq-server', ['-detached'], { env: nodeEnv(node), timeout: COMMAND_TIMEOUT_MS });
  // Not `await_startup`: it fails at once while the new node is not yet registered with epmd.
  // `wait` waits for the pid file, then the node's distribution, then the rabbit application.
  await rabbitmqctl(node, 'wait', pidFile(node), '--timeout', '60');
}

/** Stops the node (waiting for its OS process to end) and deletes its directory. */
export async function stopBrokerNode(node: BrokerNode): Promise<void> {
  try {
    if (existsSync(pidFile(node))) await rabbitmqctl(node, 'stop', pidFile(node));
  } finally {
    await rm(node.dir, { recursive: true, force: true });
  }
}

/**
 * How a test takes the broker down: `app` stops the rabbit application (connections drop, the
 * port closes, the Erlang VM stays); `node` stops the whole VM and boots it again from its data
 * directory, so quorum queues recover from disk.
 */
export type BrokerOutage = 'app' | 'node';

/**
 * Runs `fault` with the broker down and always brings it back, even when `fault` throws, so a
 * failing test never leaves the next one without a broker.
 */
export async function withBrokerDown<T>(node: BrokerNode, outage: BrokerOutage, fault: () => Promise<T>): Promise<T> {
  if (outage === 'app') await rabbitmqctl(node, 'stop_app');
  else await rabbitmqctl(node, 'stop', pidFile(node));
  try {
    return await fault();
  } finally {
    if (outage === 'app') {
      await rabbitmqctl(node, 'start_app');
      await rabbitmqctl(node, 'await_startup', '--timeout', '60');
    } else {
      await bootNode(node);
    }
  }
}

/** Hands the node from jest's globalSetup to the test files and globalTeardown (one process). */
export function publishBrokerNode(node: BrokerNode | undefined): void {
  if (node === undefined) delete process.env[ENV_VAR];
  else process.env[ENV_VAR] = JSON.stringify(node);
}

export function brokerNode(): BrokerNode {
  const raw = process.env[ENV_VAR];
  if (raw === undefined) throw new Error(`${ENV_VAR} is not set: run the faults suite through jest (its globalSetup starts the node)`);
  // Written by publishBrokerNode in this same process.
  return JSON.parse(raw) as BrokerNode;
}

async function assertCanRunNode(): Promise<void> {
  const uid = process.getuid?.();
  let rabbitmqUid: string;
  try {
    rabbitmqUid = (await exec('id', ['-u', 'rabbitmq'])).stdout.trim();
    await exec('sh', ['-c', 'command -v rabbitmq-server && command -v rabbitmqctl']);
  } catch (err) {
    throw new Error(`the faults suite starts a RabbitMQ node of its own and needs rabbitmq-server, rabbitmqctl and the rabbitmq user (apt-get install rabbitmq-server): ${commandError(err)}`);
  }
  if (uid !== 0 && String(uid) !== rabbitmqUid) {
    throw new Error(`the faults suite starts a RabbitMQ node of its own; Debian's rabbitmq-server runs only as root or rabbitmq, not uid ${String(uid)}`);
  }
}

/**
 * A run that was killed (so globalTeardown never ran) leaves its node and directory behind. Both
 * carry the pid of the jest process that made them; this stops those whose process is gone.
 * Only names with our prefix are touched, never the shared node.
 */
async function reapAbandonedNodes(): Promise<void> {
  const pattern = new RegExp(`^${NODE_PREFIX}(\\d+)-`);
  for (const entry of await readdir(tmpdir())) {
    const owner = pattern.exec(entry)?.[1];
    if (owner === undefined || isAlive(Number(owner))) continue;
    const abandoned = { name: `${NODE_PREFIX}${owner}@localhost`, port: 0, distPort: 0, dir: join(tmpdir(), entry), url: '' };
    await stopBrokerNode(abandoned).catch(() => undefined);
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

async function logTail(node: BrokerNode): Promise<string> {
  const log = await readFile(join(node.dir, 'log', `${node.name}.log`), 'utf8').catch(() => '');
  const lines = log.split('\n').filter((line) => /\[(error|warning)\]/.test(line)).slice(-10);
  return lines.length === 0 ? '' : `\nnode log (errors and warnings):\n${lines.join('\n')}`;
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
