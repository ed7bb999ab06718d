// amqps:// end to end: a RabbitMQ node of this file's own listens on TLS only, with a certificate
// from a CA made here with openssl. The built API and the built worker connect with
// AMQP_CA_FILE and a watermark task succeeds; without the CA, the API, the worker and
// `npm run dlq` each stop with one line that names AMQP_CA_FILE.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { DEFAULT_PREFIX } from '@offload/contracts';
import { tempDataDir, waitUntil } from '@offload/test-support';
import { apiClient, type ApiClient } from './support/api-client';
import { rabbitmqctl } from './support/broker-users';
import { startChild, type Child } from './support/child-process';
import { freePort } from './support/free-port';
import { startTlsBrokerNode, stopTlsBrokerNode, type TlsBrokerNode } from './support/tls-broker-node';

const REPO_ROOT = resolve(__dirname, '../..');
const API_ENTRY = resolve(REPO_ROOT, 'apps/api/dist/main.js');
const WORKER_ENTRY = resolve(REPO_ROOT, 'apps/worker/dist/main.js');
const DLQ_ENTRY = resolve(REPO_ROOT, 'apps/worker/dist/dlq/main.js');
const START_TIMEOUT_MS = 30_000;

describe('amqps://', () => {
  let node: TlsBrokerNode;
  let dataDir: Awaited<ReturnType<typeof tempDataDir>>;
  let common: Record<string, string>;
  const children: Child[] = [];

  const start = (name: string, entry: string, env: Record<string, string>): Child => {
    const child = startChild(name, [entry], { ...common, ...env });
    children.push(child);
    return child;
  };

  /** Runs an entry point to its exit (or kills it after `ms`: code null): its code and stderr lines. */
  const runToExit = (entry: string, args: string[], env: Record<string, string>, ms = 25_000): Promise<{ code: number | null; lines: string[] }> =>
    new Promise((done) => {
      execFile(process.execPath, [entry, ...args], { env: { PATH: process.env.PATH ?? '', ...common, ...env }, timeout: ms }, (err, _stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
        done({ code, lines: stderr.trim().split('\n') });
      });
    });

  beforeAll(async () => {
    for (const entry of [API_ENTRY, WORKER_ENTRY, DLQ_ENTRY]) if (!existsSync(entry)) throw new Error(`${entry} is missing: build first`);
    node = await startTlsBrokerNode();
    dataDir = await tempDataDir('offload-amqps');
    common = {
      AMQP_URL: node.url,
      QUEUE_PREFIX: DEFAULT_PREFIX,
      DATA_DIR: dataDir.path,
      // No management API on this node: the API's GET /v1/stats reads depths over AMQP (TLS).
      RABBITMQ_MANAGEMENT_URL: `http://127.0.0.1:${await freePort()}`,
    };
  }, 120_000);

  afterAll(async () => {
    await Promise.all(children.map((c) => c.stop('SIGTERM', 10_000)));
    if (node !== undefined) await stopTlsBrokerNode(node);
    await dataDir?.remove();
  }, 60_000);

  it('runs the API and a worker over TLS with AMQP_CA_FILE, and a task succeeds', async () => {
    const port = await freePort();
    const apiProcess = start('api', API_ENTRY, { AMQP_CA_FILE: node.caFile, PORT: String(port), HOST: '127.0.0.1', AUTH: 'off', LOG_LEVEL: 'warn' });
    const worker = start('worker', WORKER_ENTRY, { AMQP_CA_FILE: node.caFile, WORKER_HTTP_PORT: '0', WORKER_CONCURRENCY: '1', LOG_LEVEL: 'info' });
    await worker.waitForLog((line) => line.msg === 'offload worker ready', START_TIMEOUT_MS, 'ready');
    const api: ApiClient = apiClient(`http://127.0.0.1:${port}`);
    await waitUntil(async () => apiProcess.exit() ?? ((await api.get('/readyz')).status === 200 && 'ready'), { timeoutMs: START_TIMEOUT_MS, description: 'the API to be ready' });
    expect(apiProcess.exit()).toBeUndefined();

    const submitted = await api.submit(await api.uploadImage(), 'over TLS');
    if (submitted.outcome !== 'accepted') throw new Error(`not accepted: ${JSON.stringify(submitted)}`);
    const record = await waitUntil(async () => {
      const r = await api.record(submitted.id);
      return r !== undefined && ['succeeded', 'failed'].includes(r.status) && r;
    }, { timeoutMs: 60_000, description: 'the task to finish' });
    expect(record).toMatchObject({ status: 'succeeded', result: { format: 'jpeg' } });

    // Both processes' connections are TLS ones (the node has no other listener anyway).
    const connections = await rabbitmqctl(node.name, 'list_connections', 'client_properties', 'ssl', '--no-table-headers', '--quiet');
    for (const name of ['offload-api', 'offload-worker']) {
      const line = connections.split('\n').find((l) => l.includes(`"${name}"`));
      expect([name, line?.trim().endsWith('true')]).toEqual([name, true]);
    }
  }, 120_000);

  it.each([
    ['offload-api', API_ENTRY, [] as string[], { PORT: '0', HOST: '127.0.0.1', AUTH: 'off' }],
    ['offload-worker', WORKER_ENTRY, [] as string[], { WORKER_HTTP_PORT: '0' }],
    ['offload dlq', DLQ_ENTRY, ['list'], {}],
  ])('%s without the CA stops at once with one line naming AMQP_CA_FILE', async (name, entry, args, env) => {
    // A certificate that does not verify is not waited out (no retry can fix it): with ten minutes
    // to connect, the process still ends before runToExit gives up on it.
    const { code, lines } = await runToExit(entry, args, { ...env, BROKER_CONNECT_TIMEOUT_MS: '600000' });
    expect(code).toBe(1);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^${name}: cannot connect to RabbitMQ at amqps://guest:\\*\\*\\*@localhost:${node.tlsPort}/?: its TLS certificate does not verify \\(self[- ]signed certificate in certificate chain\\); set AMQP_CA_FILE`));
  }, 30_000);

  it('names AMQP_CA_FILE when the file cannot be read', async () => {
    const { code, lines } = await runToExit(API_ENTRY, [], { AMQP_CA_FILE: resolve(dataDir.path, 'no-such-ca.pem'), PORT: '0', HOST: '127.0.0.1', AUTH: 'off' });
    expect(code).toBe(1);
    expect(lines.join('\n')).toMatch(/AMQP_CA_FILE: cannot read ".*no-such-ca\.pem" \(ENOENT\)/);
  }, 30_000);
});
