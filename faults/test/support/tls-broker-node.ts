import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './free-port';

/**
 * A RabbitMQ node of one test file's own that speaks AMQP over TLS only, with a certificate
 * signed by a CA made for it (openssl): the server side of `amqps://`. Started the way
 * broker-node.ts starts the suite's node (Debian's rabbitmq-server as the rabbitmq user, its own
 * name, ports, directories and config file), under another name prefix, so neither reaps the other.
 */
export interface TlsBrokerNode {
  readonly name: string;
  /** The TLS listener on 127.0.0.1; there is no plain AMQP listener. */
  readonly tlsPort: number;
  readonly dir: string;
  /** PEM of the CA that signed the node's certificate (which names `localhost` and 127.0.0.1). */
  readonly caFile: string;
  /** `amqps://guest:guest@localhost:<tlsPort>`: guest may log in from loopback, which this is. */
  readonly url: string;
}

const exec = promisify(execFile);
const NODE_PREFIX = 'offload-tls-';
/** rabbitmqctl takes a distribution port in 35672–35682 for itself. */
const CLI_DIST_PORTS = { min: 35672, max: 35682 };
const COMMAND_TIMEOUT_MS = 60_000;

interface NodeFiles {
  name: string;
  dir: string;
  port: number;
  distPort: number;
}

function nodeEnv(node: NodeFiles): NodeJS.ProcessEnv {
  const inherited = Object.entries(process.env).filter(([name]) => !name.startsWith('RABBITMQ_'));
  return {
    ...Object.fromEntries(inherited),
    RABBITMQ_NODENAME: node.name,
    RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
    RABBITMQ_NODE_PORT: String(node.port),
    RABBITMQ_DIST_PORT: String(node.distPort),
    RABBITMQ_MNESIA_BASE: join(node.dir, 'mnesia'),
    RABBITMQ_LOG_BASE: join(node.dir, 'log'),
    RABBITMQ_PID_FILE: join(node.dir, 'rabbitmq.pid'),
    RABBITMQ_ENABLED_PLUGINS_FILE: join(node.dir, 'enabled_plugins'),
    RABBITMQ_CONFIG_FILE: join(node.dir, 'rabbitmq.conf'),
  };
}

async function openssl(dir: string, ...args: string[]): Promise<void> {
  await exec('openssl', args, { cwd: dir, timeout: COMMAND_TIMEOUT_MS });
}

/** A CA (2 days) and a server certificate it signed for localhost and 127.0.0.1, as PEM files in `dir`. */
export async function makeCertificates(dir: string): Promise<{ caFile: string; certFile: string; keyFile: string }> {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await openssl(dir, 'req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=offload test CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  await openssl(dir, 'req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost');
  await writeFile(join(dir, 'server.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n');
  await openssl(dir, 'x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'server.ext');
  return { caFile: join(dir, 'ca.pem'), certFile: join(dir, 'server.pem'), keyFile: join(dir, 'server.key') };
}

/** Starts the node and waits until the rabbit application runs. Throws, having cleaned up, if it cannot. */
export async function startTlsBrokerNode(): Promise<TlsBrokerNode> {
  await reapAbandonedNodes();
  const dir = await mkdtemp(join(tmpdir(), `${NODE_PREFIX}${process.pid}-`));
  const files: NodeFiles = { name: `${NODE_PREFIX}${process.pid}@localhost`, dir, port: await freePort(CLI_DIST_PORTS), distPort: await freePort(CLI_DIST_PORTS) };
  const tlsPort = await freePort(CLI_DIST_PORTS);
  try {
    await mkdir(join(dir, 'mnesia'));
    await mkdir(join(dir, 'log'));
    await writeFile(join(dir, 'enabled_plugins'), '');
    const { caFile, certFile, keyFile } = await makeCertificates(dir);
    await writeFile(
      join(dir, 'rabbitmq.conf'),
      [
        'listeners.tcp = none',
        `listeners.ssl.default = 127.0.0.1:${tlsPort}`,
        `ssl_options.cacertfile = ${caFile}`,
        `ssl_options.certfile = ${certFile}`,
        `ssl_options.keyfile = ${keyFile}`,
        // Clients verify the server; the server asks no client certificate (users log in with passwords).
        'ssl_options.verify = verify_none',
        'ssl_options.fail_if_no_peer_cert = false',
        '',
      ].join('\n'),
    );
    await exec('chown', ['-R', 'rabbitmq:rabbitmq', dir]);
    await exec('rabbitmq-server', ['-detached'], { env: nodeEnv(files), timeout: COMMAND_TIMEOUT_MS });
    await exec('rabbitmqctl', ['-n', files.name, 'wait', join(dir, 'rabbitmq.pid'), '--timeout', '60'], { env: nodeEnv(files), timeout: COMMAND_TIMEOUT_MS });
    return { name: files.name, tlsPort, dir, caFile, url: `amqps://guest:guest@localhost:${tlsPort}` };
  } catch (err) {
    await stopNode(files).catch(() => undefined);
    const log = await readFile(join(dir, 'log', `${files.name}.log`), 'utf8').catch(() => '');
    throw new Error(`the TLS node did not start: ${err instanceof Error ? err.message : String(err)}\n${log.split('\n').slice(-15).join('\n')}`, { cause: err });
  }
}

export async function stopTlsBrokerNode(node: TlsBrokerNode): Promise<void> {
  await stopNode({ name: node.name, dir: node.dir, port: 0, distPort: 0 });
}

async function stopNode(node: NodeFiles): Promise<void> {
  const pid = join(node.dir, 'rabbitmq.pid');
  try {
    if (existsSync(pid)) await exec('rabbitmqctl', ['-n', node.name, 'stop', pid], { env: nodeEnv(node), timeout: COMMAND_TIMEOUT_MS });
  } finally {
    await rm(node.dir, { recursive: true, force: true });
  }
}

/** A killed run leaves its node behind; its directory names the jest process that made it. */
async function reapAbandonedNodes(): Promise<void> {
  const pattern = new RegExp(`^${NODE_PREFIX}(\\d+)-`);
  for (const entry of await readdir(tmpdir())) {
    const owner = pattern.exec(entry)?.[1];
    if (owner === undefined || isAlive(Number(owner))) continue;
    await stopNode({ name: `${NODE_PREFIX}${owner}@localhost`, dir: join(tmpdir(), entry), port: 0, distPort: 0 }).catch(() => undefined);
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
