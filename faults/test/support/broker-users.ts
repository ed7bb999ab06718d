import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { BROKER_ROLES, BROKER_USERS, brokerPermissions, type BrokerRole } from '@offload/contracts';

const exec = promisify(execFile);
const COMMAND_TIMEOUT_MS = 60_000;

/**
 * `rabbitmqctl -n <node> …` on a node of this machine. As root, Debian's wrapper runs it as the
 * rabbitmq user, whose Erlang cookie every node started by the suite shares. RABBITMQ_* variables
 * of the shell are dropped, so they cannot point it at another node's files.
 */
export async function rabbitmqctl(nodeName: string, ...args: string[]): Promise<string> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('RABBITMQ_')));
  try {
    const { stdout } = await exec('rabbitmqctl', ['-n', nodeName, ...args], { env, timeout: COMMAND_TIMEOUT_MS });
    return stdout;
  } catch (err) {
    const stderr: unknown = typeof err === 'object' && err !== null ? Reflect.get(err, 'stderr') : undefined;
    // The password of add_user is an argument: never repeat the command line.
    throw new Error(`rabbitmqctl ${args[0] ?? ''} on ${nodeName} failed: ${typeof stderr === 'string' ? stderr.trim() : String(err)}`, { cause: err });
  }
}

export interface BrokerUsers {
  /** A virtual host of their own (its name is also what the URLs' path says). */
  readonly vhost: string;
  /** `amqp[s]://<user of role>:<password>@<host:port>/<vhost>`. */
  url(role: BrokerRole, scheme: 'amqp' | 'amqps', hostAndPort: string): string;
  /** Deletes the users and the virtual host (and so every queue and exchange in it). */
  remove(): Promise<void>;
}

/**
 * The compose file's and the manifests' three users (BROKER_USERS), each with exactly the
 * permissions brokerPermissions(prefix) gives its role, in a fresh virtual host, with random
 * passwords; the API's user gets the `management` tag, as in the deploy files. `admin` (the
 * node's administrator, guest) gets everything on the vhost, for the test's own looks.
 */
export async function createBrokerUsers(nodeName: string, prefix: string, admin = 'guest'): Promise<BrokerUsers> {
  const vhost = `users-${randomUUID().slice(0, 8)}`;
  // Hex, not base64url: a password starting with `-` reads as an option to rabbitmqctl add_user.
  const passwords = Object.fromEntries(BROKER_ROLES.map((role) => [role, randomBytes(18).toString('hex')])) as Record<BrokerRole, string>;
  const permissions = brokerPermissions(prefix);
  await rabbitmqctl(nodeName, 'add_vhost', vhost);
  await rabbitmqctl(nodeName, 'set_permissions', '-p', vhost, admin, '.*', '.*', '.*');
  for (const role of BROKER_ROLES) {
    // A user left by a killed run (the names are fixed) is replaced.
    await rabbitmqctl(nodeName, 'delete_user', BROKER_USERS[role]).catch(() => undefined);
    await rabbitmqctl(nodeName, 'add_user', BROKER_USERS[role], passwords[role]);
    if (role === 'api') await rabbitmqctl(nodeName, 'set_user_tags', BROKER_USERS[role], 'management');
    const { configure, write, read } = permissions[role];
    await rabbitmqctl(nodeName, 'set_permissions', '-p', vhost, BROKER_USERS[role], configure, write, read);
  }
  return {
    vhost,
    url: (role, scheme, hostAndPort) => `${scheme}://${BROKER_USERS[role]}:${passwords[role]}@${hostAndPort}/${encodeURIComponent(vhost)}`,
    async remove() {
      for (const role of BROKER_ROLES) await rabbitmqctl(nodeName, 'delete_user', BROKER_USERS[role]).catch(() => undefined);
      await rabbitmqctl(nodeName, 'delete_vhost', vhost);
    },
  };
}
