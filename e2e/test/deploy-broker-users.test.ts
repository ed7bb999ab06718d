// Static checks of how the compose file and the Kubernetes manifests log in to RabbitMQ: one user
// per role (BROKER_USERS) with exactly the regexes brokerPermissions() gives it (the regexes
// faults/test/broker-permissions.test.ts runs on a real broker), passwords and the API's admin
// key from secrets, never `guest`. deploy-files.test.ts checks the rest of those files.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { describeEnv } from '@offload/config';
import { API_KEY_PATTERN, BROKER_ROLES, BROKER_USERS, DEFAULT_PREFIX, brokerPermissions, buildTopology, type BrokerPermissions, type BrokerRole } from '@offload/contracts';
import { workerEnvSchema } from '@offload/worker/testing';

const ROOT = resolve(__dirname, '../..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v && typeof v === 'object' ? (v as Json) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const workerVars = new Set(describeEnv(workerEnvSchema).map((v) => v.name));

/**
 * The names of the `prefix` topology each regex of the API user's permission matches: it
 * publishes to the task exchange, and reads the dead-letter queue for the admin routes
 * /v1/dead-letters (list, re-drive, purge); it declares nothing and reads no other queue.
 */
function apiGrants(permissions: BrokerPermissions, prefix: string): Record<keyof BrokerPermissions, string[]> {
  const topology = buildTopology(prefix);
  const names = [...topology.exchanges.map((e) => e.name), ...topology.queues.map((q) => q.name)];
  const matching = (regex: string) => names.filter((name) => new RegExp(regex).test(name));
  return { configure: matching(permissions.configure), write: matching(permissions.write), read: matching(permissions.read) };
}

const apiNeeds = (prefix: string) => {
  const topology = buildTopology(prefix);
  return { configure: [], write: [topology.taskExchange], read: [topology.deadLetterQueue] };
};

/** The vhost an AMQP URL connects to: its path, `/` when it has none. */
const vhostOf = (url: URL) => (url.pathname.length > 1 ? decodeURIComponent(url.pathname.slice(1)) : '/');

describe('docker/compose.yaml: RabbitMQ users', () => {
  const text = read('docker/compose.yaml');
  const services = obj(obj(parseYaml(text)).services);
  const env = (service: string) => obj(obj(services[service]).environment);
  const spec = JSON.parse(read('docker/rabbitmq/offload-users.json')) as {
    users: { name: string; password_env: string; tags: string[] }[];
    permissions: { user: string; vhost: string; configure: string; write: string; read: string }[];
  };
  const prefix = String(env('worker').QUEUE_PREFIX ?? DEFAULT_PREFIX);
  /** `${NAME:?message}`: compose refuses to start without NAME. */
  const required = (value: unknown): string | undefined => /^\$\{([A-Z][A-Z0-9_]*):\?[^}]+\}$/.exec(String(value))?.[1];
  const roleServices: [BrokerRole, string][] = [
    ['api', 'api'],
    ['worker', 'worker'],
    ['dlq', 'dlq'],
  ];
  /** A service's AMQP_URL: the user it names and the variable its password comes from. */
  const login = (service: string) => {
    const match = /^amqps?:\/\/([^:@/]+):\$\{([A-Z][A-Z0-9_]*):\?[^}]+\}@rabbitmq:5672(\/.*)?$/.exec(String(env(service).AMQP_URL));
    if (!match) throw new Error(`${service}: AMQP_URL ${String(env(service).AMQP_URL)} is not amqp://<user>:\${VAR:?…}@rabbitmq:5672`);
    return { user: match[1] as string, passwordVar: match[2] as string, vhost: vhostOf(new URL(`amqp://h${match[3] ?? ''}`)) };
  };

  it('has an administrator of its own, whose password is a required secret: a new node makes no guest', () => {
    const rabbit = env('rabbitmq');
    expect(rabbit.RABBITMQ_DEFAULT_USER).toMatch(/^[a-z][\w-]*$/);
    expect(rabbit.RABBITMQ_DEFAULT_USER).not.toBe('guest');
    expect(required(rabbit.RABBITMQ_DEFAULT_PASS)).toBe('RABBITMQ_ADMIN_PASSWORD');
    expect(text).not.toMatch(/guest:guest|:\/\/guest:/);
  });

  it('offload-users.json gives each role its user and exactly brokerPermissions(QUEUE_PREFIX)', () => {
    const permissions = brokerPermissions(prefix);
    expect(spec.users.map((u) => u.name).sort()).toEqual(Object.values(BROKER_USERS).sort());
    for (const role of BROKER_ROLES) {
      const granted = spec.permissions.filter((p) => p.user === BROKER_USERS[role]);
      expect(granted).toHaveLength(1);
      const { configure, write, read: readRegex } = granted[0] ?? { configure: '', write: '', read: '' };
      expect([role, { configure, write, read: readRegex }]).toEqual([role, permissions[role]]);
      expect([role, granted[0]?.vhost]).toEqual([role, login(role === 'dlq' ? 'dlq' : role).vhost]);
    }
    expect(spec.users.find((u) => u.name === BROKER_USERS.api)?.tags).toEqual(['management']);
  });

  it('lets offload-api publish to the task exchange and read the dead-letter queue, nothing else of the topology', () => {
    const granted = spec.permissions.find((p) => p.user === BROKER_USERS.api) ?? { configure: '', write: '', read: '' };
    expect(apiGrants(granted, prefix)).toEqual(apiNeeds(prefix));
  });

  it('creates the users in a one-shot step after RabbitMQ is healthy, with the administrator and every password from secrets', () => {
    const step = obj(services['rabbitmq-users']);
    const nodeImage = /^ARG NODE_IMAGE=(\S+)$/m.exec(read('docker/worker.Dockerfile'))?.[1];
    expect(step.image).toBe(nodeImage);
    const [mount] = arr(step.volumes).map(String);
    const [hostDir, containerDir] = String(mount).split(':');
    expect(resolve(ROOT, 'docker', String(hostDir))).toBe(join(ROOT, 'docker/rabbitmq'));
    expect(arr(step.command).map(String)).toEqual(['node', `${String(containerDir)}/broker-users.mjs`]);
    expect(existsSync(join(ROOT, 'docker/rabbitmq/broker-users.mjs'))).toBe(true);
    expect(obj(obj(step.depends_on).rabbitmq).condition).toBe('service_healthy');
    expect(step.restart).toBe('no');
    expect(env('rabbitmq-users').RABBITMQ_ADMIN_USER).toBe(env('rabbitmq').RABBITMQ_DEFAULT_USER);
    expect(env('rabbitmq-users').RABBITMQ_ADMIN_PASSWORD).toBe(env('rabbitmq').RABBITMQ_DEFAULT_PASS);
    for (const user of spec.users) expect([user.name, required(env('rabbitmq-users')[user.password_env])]).toEqual([user.name, user.password_env]);
  });

  it.each(roleServices)('%s: logs in as its own user, with the password the users step gave it, once the step is done', (role, service) => {
    const { user, passwordVar } = login(service);
    expect(user).toBe(BROKER_USERS[role]);
    expect(passwordVar).toBe(spec.users.find((u) => u.name === user)?.password_env);
    expect(obj(obj(obj(services[service]).depends_on)['rabbitmq-users']).condition).toBe('service_completed_successfully');
  });

  it('the API only checks the topology (the workers declare it) and takes its admin key from a secret', () => {
    expect(env('api').BROKER_DECLARE_TOPOLOGY).toBe('false');
    expect(env('worker').BROKER_DECLARE_TOPOLOGY ?? 'true').toBe('true');
    expect(required(env('api').ADMIN_API_KEY)).toBe('ADMIN_API_KEY');
    expect(env('api').AUTH ?? 'on').toBe('on');
  });

  it('dlq runs `npm run dlq` from the worker image, with variables the worker schema knows', () => {
    const dlq = obj(services.dlq);
    expect(obj(dlq.build).dockerfile).toBe('docker/worker.Dockerfile');
    expect(dlq.image).toBe(obj(services.worker).image);
    expect(arr(dlq.entrypoint).map(String).slice(-2)).toEqual(['node', 'dist/dlq/main.js']);
    expect(existsSync(join(ROOT, 'apps/worker/src/dlq/main.ts'))).toBe(true);
    for (const key of Object.keys(env('dlq'))) expect([key, workerVars.has(key)]).toEqual([key, true]);
    expect(env('dlq').DATA_DIR).toBe(env('worker').DATA_DIR);
    expect(env('dlq').RECORD_STORE_URL).toBe(env('worker').RECORD_STORE_URL);
  });

  it('docker/new-env.mjs makes every secret the file requires: URL-safe passwords and a valid admin key', () => {
    const result = spawnSync(process.execPath, [join(ROOT, 'docker/new-env.mjs')], { encoding: 'utf8' });
    expect(result.status).toBe(0);
    const made = new Map(
      result.stdout
        .split('\n')
        .filter((line) => line !== '' && !line.startsWith('#'))
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)] as const),
    );
    const needed = new Set([...text.matchAll(/\$\{([A-Z][A-Z0-9_]*):\?/g)].map((m) => m[1] as string));
    expect([...made.keys()].sort()).toEqual([...needed].sort());
    for (const [name, value] of made) {
      if (name === 'ADMIN_API_KEY') expect(value).toMatch(API_KEY_PATTERN);
      else expect([name, /^[A-Za-z0-9_-]{43}$/.test(value)]).toEqual([name, true]);
    }
    expect(new Set(made.values()).size).toBe(made.size);
  });
});

describe('deploy/k8s: RabbitMQ users', () => {
  const dir = join(ROOT, 'deploy/k8s');
  const parse = (path: string): Json[] =>
    parseAllDocuments(readFileSync(path, 'utf8')).map((doc) => {
      if (doc.errors.length) throw new Error(`${path}: ${doc.errors.map((e) => e.message).join('; ')}`);
      return obj(doc.toJSON());
    });
  const docs = readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort().flatMap((f) => parse(join(dir, f)));
  const named = (kind: string, name: string): Json => {
    const found = docs.find((d) => d.kind === kind && obj(d.metadata).name === name);
    if (!found) throw new Error(`no ${kind} ${name}`);
    return found;
  };
  const secretData = (name: string): Json => ({ ...obj(named('Secret', name).data), ...obj(named('Secret', name).stringData) });
  const container = (podSpec: Json): Json => obj(arr(podSpec.containers)[0]);
  const deploymentPod = (name: string): Json => obj(obj(obj(named('Deployment', name).spec).template).spec);
  const envEntry = (c: Json, name: string): Json | undefined => arr(c.env).map(obj).find((e) => e.name === name);
  const secretRef = (c: Json, name: string): Json => obj(obj(envEntry(c, name)?.valueFrom).secretKeyRef);
  const prefix = String(obj(named('ConfigMap', 'offload-config').data).QUEUE_PREFIX ?? DEFAULT_PREFIX);
  const roleSecret = (role: BrokerRole) => `offload-broker-${role}`;
  const job = parse(join(dir, 'tools/dlq-job.yaml'));

  it.each(BROKER_ROLES)("%s: its Secret holds its user's name and password and an AMQP_URL with both", (role) => {
    const data = secretData(roleSecret(role));
    expect(data.username).toBe(BROKER_USERS[role]);
    const url = new URL(String(data.AMQP_URL));
    expect(url.protocol).toMatch(/^amqps?:$/);
    expect(decodeURIComponent(url.username)).toBe(data.username);
    expect(decodeURIComponent(url.password)).toBe(data.password);
  });

  it.each([
    ['api', 'offload-api'],
    ['worker', 'offload-worker'],
  ] as const)('%s: the Deployment connects with its own Secret', (role, deployment) => {
    expect(secretRef(container(deploymentPod(deployment)), 'AMQP_URL')).toEqual({ name: roleSecret(role), key: 'AMQP_URL' });
  });

  it.each(BROKER_ROLES)('%s: a User from its Secret, and a Permission of exactly brokerPermissions(QUEUE_PREFIX)', (role) => {
    const user = named('User', BROKER_USERS[role]);
    expect(obj(obj(user.spec).importCredentialsSecret).name).toBe(roleSecret(role));
    expect(arr(obj(user.spec).tags)).toEqual(role === 'api' ? ['management'] : []);
    const permission = obj(named('Permission', BROKER_USERS[role]).spec);
    expect(permission.user).toBe(BROKER_USERS[role]);
    expect(permission.permissions).toEqual(brokerPermissions(prefix)[role]);
    expect(permission.vhost).toBe(vhostOf(new URL(String(secretData(roleSecret(role)).AMQP_URL))));
  });

  it('lets offload-api publish to the task exchange and read the dead-letter queue, nothing else of the topology', () => {
    const permissions = obj(obj(named('Permission', BROKER_USERS.api).spec).permissions);
    const granted = { configure: String(permissions.configure), write: String(permissions.write), read: String(permissions.read) };
    expect(apiGrants(granted, prefix)).toEqual(apiNeeds(prefix));
  });

  it('every User and Permission names the same RabbitmqCluster; no other user is granted anything but KEDA’s, which gets nothing', () => {
    const topology = docs.filter((d) => d.kind === 'User' || d.kind === 'Permission');
    const clusters = new Set(topology.map((d) => JSON.stringify(obj(d.spec).rabbitmqClusterReference)));
    expect(clusters.size).toBe(1);
    const others = docs.filter((d) => d.kind === 'Permission' && !Object.values(BROKER_USERS).includes(String(obj(d.spec).user)));
    for (const p of others) expect(obj(p.spec).permissions).toEqual({ configure: '^$', write: '^$', read: '^$' });
    // KEDA's management URL logs in as that user, with the Secret's own password.
    const keda = secretData('offload-keda-rabbitmq');
    const host = new URL(String(keda.host));
    expect([decodeURIComponent(host.username), decodeURIComponent(host.password)]).toEqual([keda.username, keda.password]);
    expect(obj(named('User', String(keda.username)).spec).importCredentialsSecret).toEqual({ name: 'offload-keda-rabbitmq' });
    expect(others.map((p) => obj(p.spec).user)).toEqual([keda.username]);
    expect(JSON.stringify(docs)).not.toMatch(/:\/\/guest:/);
  });

  it('the API only checks the topology and takes ADMIN_API_KEY from its Secret, whose placeholder fails closed', () => {
    const api = container(deploymentPod('offload-api'));
    expect(envEntry(api, 'BROKER_DECLARE_TOPOLOGY')?.value).toBe('false');
    expect(envEntry(container(deploymentPod('offload-worker')), 'BROKER_DECLARE_TOPOLOGY')).toBeUndefined();
    const ref = secretRef(api, 'ADMIN_API_KEY');
    expect(ref).toEqual({ name: 'offload-api-admin-key', key: 'ADMIN_API_KEY' });
    expect(Object.keys(obj(named('ConfigMap', 'offload-config').data))).not.toContain('ADMIN_API_KEY');
    // Left as shipped, the API refuses to start (ADMIN_API_KEY: must be ofk_…) rather than trust a published key.
    expect(String(secretData('offload-api-admin-key').ADMIN_API_KEY)).not.toMatch(API_KEY_PATTERN);
  });

  it('tools/dlq-job.yaml runs `npm run dlq` from the worker image as offload-dlq (and is not applied with the directory)', () => {
    expect(job).toHaveLength(1);
    const [j] = job as [Json];
    expect(j.kind).toBe('Job');
    expect(obj(j.metadata).generateName).toBe('offload-dlq-');
    expect(obj(j.metadata).namespace).toBe(obj(named('Deployment', 'offload-worker').metadata).namespace);
    const pod = obj(obj(j.spec).template).spec as Json;
    const c = container(pod);
    expect(c.image).toBe(container(deploymentPod('offload-worker')).image);
    expect(arr(c.command)).toEqual(['node', 'dist/dlq/main.js']);
    expect(secretRef(c, 'AMQP_URL')).toEqual({ name: roleSecret('dlq'), key: 'AMQP_URL' });
    for (const e of arr(c.env).map(obj)) {
      expect([e.name, workerVars.has(String(e.name))]).toEqual([e.name, true]);
      const ref = obj(obj(e.valueFrom).secretKeyRef);
      if (ref.name) expect(Object.keys(secretData(String(ref.name)))).toContain(ref.key);
    }
    const configMap = obj(named('ConfigMap', String(obj(arr(c.envFrom).map(obj)[0]?.configMapRef).name)).data);
    const mount = arr(c.volumeMounts).map(obj).find((m) => m.mountPath === configMap.DATA_DIR);
    const volume = arr(pod.volumes).map(obj).find((v) => v.name === mount?.name);
    expect(obj(volume?.persistentVolumeClaim).claimName).toBe('offload-data');
    expect(obj(pod.securityContext).runAsNonRoot).toBe(true);
  });
});
