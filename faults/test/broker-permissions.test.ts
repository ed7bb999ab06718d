// The deploy files' RabbitMQ users (offload-api, offload-worker, offload-dlq) with exactly the
// permission regexes brokerPermissions() gives them — the ones docker/ and deploy/k8s/ carry —
// on the suite's node: the built API (BROKER_DECLARE_TOPOLOGY=false), a worker (runWorker, as
// the entry point wires it, which declares the topology) and the built `npm run dlq` each log in
// as their own user, and a task succeeds, one is dead-lettered, retried and re-driven (by the DLQ
// command, then through the API's /v1/dead-letters), and one is purged through the API. Then each
// user tries what it must not do, and the broker answers 403 ACCESS_REFUSED.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import amqplib, { type ConfirmChannel } from 'amqplib';
import { BROKER_USERS, DEFAULT_PREFIX, buildTopology, type TaskRecord } from '@offload/contracts';
import { tempDataDir, waitUntil } from '@offload/test-support';
import { apiClient, type ApiClient } from './support/api-client';
import { brokerNode } from './support/broker-node';
import { createBrokerUsers, type BrokerUsers } from './support/broker-users';
import { startChild, type Child } from './support/child-process';
import { freePort } from './support/free-port';

const REPO_ROOT = resolve(__dirname, '../..');
const API_ENTRY = resolve(REPO_ROOT, 'apps/api/dist/main.js');
const DLQ_ENTRY = resolve(REPO_ROOT, 'apps/worker/dist/dlq/main.js');
const FAULT_WORKER = resolve(__dirname, 'support/fault-worker.ts');
const START_TIMEOUT_MS = 30_000;

// The production prefix: the regexes under test are the deploy files' own. The vhost is fresh.
const topology = buildTopology(DEFAULT_PREFIX);

/** Runs `op` as the user of `url` and returns how the broker closed the channel for it. */
async function refusal(url: string, op: (channel: ConfirmChannel) => unknown): Promise<string> {
  const connection = await amqplib.connect(url);
  try {
    const channel = await connection.createConfirmChannel();
    const closed = new Promise<string>((done) => channel.once('error', (err: Error) => done(err.message)));
    try {
      await op(channel);
      await channel.waitForConfirms();
    } catch {
      // The channel's close says why.
    }
    return await Promise.race([closed, new Promise<string>((done) => setTimeout(() => done('not refused within 5 s'), 5_000).unref())]);
  } finally {
    await connection.close().catch(() => undefined);
  }
}

const publishTo = (exchange: string, routingKey = 'watermark') => (channel: ConfirmChannel) => channel.publish(exchange, routingKey, Buffer.from('{}'));

describe('RabbitMQ users with least-privilege permissions', () => {
  const node = brokerNode();
  const host = `localhost:${node.port}`;
  let users: BrokerUsers;
  let dataDir: Awaited<ReturnType<typeof tempDataDir>>;
  let api: ApiClient;
  let apiProcess: Child;
  const workers: Child[] = [];
  let common: Record<string, string>;

  const startWorker = async (env: Record<string, string>): Promise<Child> => {
    const worker = startChild('fault-worker', ['--import', 'tsx', FAULT_WORKER], { ...common, AMQP_URL: users.url('worker', 'amqp', host), LOG_LEVEL: 'info', WORKER_HTTP_PORT: '0', WORKER_SHUTDOWN_GRACE_MS: '2000', ...env }, REPO_ROOT);
    workers.push(worker);
    await worker.waitForLog((line) => line.msg === 'offload worker ready', START_TIMEOUT_MS, 'ready');
    return worker;
  };

  const dlq = (...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> =>
    new Promise((done) => {
      execFile(process.execPath, [DLQ_ENTRY, ...args], { env: { PATH: process.env.PATH ?? '', ...common, AMQP_URL: users.url('dlq', 'amqp', host) } }, (err, stdout, stderr) => {
        done({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr });
      });
    });

  /** POSTs JSON to the API (AUTH=off: an admin) and returns the status and body. */
  const post = async (path: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> => {
    const res = await fetch(`${api.base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(10_000) });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  /** The ids `GET /v1/dead-letters` lists, as the API's broker user reads them. */
  const apiDeadLetterIds = async (): Promise<string[]> => {
    const res = await fetch(`${api.base}/v1/dead-letters`, { signal: AbortSignal.timeout(10_000) });
    if (res.status !== 200) throw new Error(`GET /v1/dead-letters: ${res.status} ${await res.text()}`);
    return ((await res.json()) as { dead_letters: { id: string }[] }).dead_letters.map((row) => row.id);
  };

  const finished = (id: string): Promise<TaskRecord> =>
    waitUntil(async () => {
      const record = await api.record(id);
      return record !== undefined && ['succeeded', 'failed'].includes(record.status) && record;
    }, { timeoutMs: 30_000, description: `task ${id} to finish` });

  beforeAll(async () => {
    for (const entry of [API_ENTRY, DLQ_ENTRY]) if (!existsSync(entry)) throw new Error(`${entry} is missing: build first`);
    users = await createBrokerUsers(node.name, DEFAULT_PREFIX);
    dataDir = await tempDataDir('offload-permissions');
    common = { QUEUE_PREFIX: DEFAULT_PREFIX, DATA_DIR: dataDir.path, BROKER_CONNECT_TIMEOUT_MS: '5000' };
    const port = await freePort();
    apiProcess = startChild('api', [API_ENTRY], {
      ...common,
      AMQP_URL: users.url('api', 'amqp', host),
      BROKER_DECLARE_TOPOLOGY: 'false',
      // No management API on this node (and none to find on a closed port): depths come over AMQP.
      RABBITMQ_MANAGEMENT_URL: `http://127.0.0.1:${await freePort()}`,
      PORT: String(port),
      HOST: '127.0.0.1',
      AUTH: 'off',
      LOG_LEVEL: 'info',
    });
    api = apiClient(`http://127.0.0.1:${port}`);
  }, 60_000);

  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop('SIGTERM', 10_000)));
    await apiProcess.stop('SIGTERM', 10_000);
    await users.remove();
    await dataDir.remove();
  }, 60_000);

  it('the API, which may declare nothing, serves, unready, until the worker has declared the topology', async () => {
    await apiProcess.waitForLog((line) => line.msg === 'offload API listening', START_TIMEOUT_MS, 'listening');
    await apiProcess.waitForLog((line) => typeof line.msg === 'string' && line.msg.startsWith('waiting for the topology'), START_TIMEOUT_MS, 'waiting for the topology');
    expect((await api.get('/readyz')).status).toBe(503);
    await startWorker({ WATERMARK_MAX_ATTEMPTS: '1' });
    await waitUntil(async () => (await api.get('/readyz')).status === 200, { timeoutMs: 20_000, description: 'the API to be ready' });
  }, 60_000);

  it('runs a task to success, and dead-letters one whose attempts are spent', async () => {
    const imageKey = await api.uploadImage();
    const ok = await api.submit(imageKey, 'work:0');
    const flaky = await api.submit(imageKey, 'flaky:1:0');
    if (ok.outcome !== 'accepted' || flaky.outcome !== 'accepted') throw new Error(`not accepted: ${JSON.stringify([ok, flaky])}`);
    expect((await finished(ok.id)).status).toBe('succeeded');
    expect(await finished(flaky.id)).toMatchObject({ status: 'failed' });
    // GET /v1/stats reads depths with passive declares, which need no permission.
    const stats = await fetch(`${api.base}/v1/stats`).then((r) => r.json() as Promise<{ queues?: { source?: string; dead_letter?: { ready?: number } } }>);
    expect(stats.queues?.source).toBe('amqp');
    expect(stats.queues?.dead_letter?.ready).toBe(1);

    const listed = await dlq('list', '--json');
    expect(listed).toMatchObject({ code: 0, stderr: '' });
    expect((JSON.parse(listed.stdout) as { id: string }[]).map((row) => row.id)).toEqual([flaky.id]);
    // The API's user reads the dead-letter queue too, and puts back what it read.
    expect(await apiDeadLetterIds()).toEqual([flaky.id]);
    expect(await apiDeadLetterIds()).toEqual([flaky.id]);
  }, 60_000);

  it('re-drives the dead letter as the DLQ user; the worker retries it through the delay cascade to success', async () => {
    const flaky = (await dlq('list', '--json')).stdout;
    const [row] = JSON.parse(flaky) as { id: string }[];
    if (row === undefined) throw new Error('no dead letter');
    // Two attempts now: the first fails and is retried (the worker publishes to the delay cascade).
    await Promise.all(workers.map((w) => w.stop('SIGTERM', 10_000)));
    await startWorker({ WATERMARK_MAX_ATTEMPTS: '2', RETRY_BASE_MS: '100', RETRY_MAX_MS: '200' });
    const redriven = await dlq('redrive', '--id', row.id);
    expect([redriven.code, redriven.stderr]).toEqual([0, '']);
    expect(redriven.stdout).toContain('re-driven 1');
    const record = await finished(row.id);
    expect(record).toMatchObject({ status: 'succeeded', attempts: 2 });
    expect((await dlq('list', '--json')).stdout.trim()).toBe('[]');
  }, 60_000);

  it('re-drives and purges dead letters through the API as offload-api', async () => {
    await Promise.all(workers.map((w) => w.stop('SIGTERM', 10_000)));
    await startWorker({ WATERMARK_MAX_ATTEMPTS: '1' });
    const imageKey = await api.uploadImage();
    const flaky = await api.submit(imageKey, 'flaky:1:0');
    const broken = await api.submit(imageKey, 'no-such-script');
    if (flaky.outcome !== 'accepted' || broken.outcome !== 'accepted') throw new Error(`not accepted: ${JSON.stringify([flaky, broken])}`);
    expect((await finished(flaky.id)).status).toBe('failed');
    expect((await finished(broken.id)).status).toBe('failed');
    await waitUntil(async () => (await apiDeadLetterIds()).length === 2, { timeoutMs: 10_000, description: 'two dead letters' });

    await Promise.all(workers.map((w) => w.stop('SIGTERM', 10_000)));
    await startWorker({ WATERMARK_MAX_ATTEMPTS: '2', RETRY_BASE_MS: '100', RETRY_MAX_MS: '200' });
    const redriven = await post('/v1/dead-letters/redrive', { ids: [flaky.id] });
    expect(redriven).toMatchObject({ status: 200, body: { redriven: 1, completed: true } });
    expect(await finished(flaky.id)).toMatchObject({ status: 'succeeded', attempts: 2 });

    const purged = await post('/v1/dead-letters/purge', { reason: 'validation_failed', confirm: true });
    expect(purged).toMatchObject({ status: 200, body: { purged: 1, completed: true, outcomes: [{ kind: 'purged', id: broken.id }] } });
    expect(await apiDeadLetterIds()).toEqual([]);
    expect((await api.record(broken.id))?.status).toBe('failed');
  }, 90_000);

  it('refuses the API user anything but publishing to the task exchange and reading the dead-letter queue', async () => {
    const url = users.url('api', 'amqp', host);
    const refused = new RegExp(`403 \\(ACCESS-REFUSED\\).*refused for user '${BROKER_USERS.api}'`);
    expect(await refusal(url, (ch) => ch.consume(topology.workQueues.watermark, () => undefined))).toMatch(refused);
    expect(await refusal(url, (ch) => ch.get(topology.workQueues.watermark))).toMatch(refused);
    expect(await refusal(url, (ch) => ch.purgeQueue(topology.workQueues.watermark))).toMatch(refused);
    expect(await refusal(url, (ch) => ch.get(topology.deadLetterEventsQueue))).toMatch(refused);
    expect(await refusal(url, (ch) => ch.get(topology.callbackQueue))).toMatch(refused);
    expect(await refusal(url, (ch) => ch.deleteQueue(topology.deadLetterQueue))).toMatch(refused);
    expect(await refusal(url, publishTo(topology.deadLetterExchange))).toMatch(refused);
    expect(await refusal(url, publishTo(topology.delayEntryExchange))).toMatch(refused);
    // The default exchange: straight into a work queue, past the task exchange.
    expect(await refusal(url, publishTo('', topology.workQueues.watermark))).toMatch(refused);
    expect(await refusal(url, (ch) => ch.assertQueue(`${DEFAULT_PREFIX}.task.siphon`))).toMatch(refused);
    expect(await refusal(url, (ch) => ch.deleteQueue(topology.workQueues.watermark))).toMatch(refused);
    // What it may do: publish to the task exchange (an unroutable key, so nothing runs), and take
    // from the dead-letter queue (empty now; the channel's close hands back anything taken).
    expect(await refusal(url, publishTo(topology.taskExchange, 'no-such-type'))).toBe('not refused within 5 s');
    expect(await refusal(url, (ch) => ch.get(topology.deadLetterQueue))).toBe('not refused within 5 s');
  }, 60_000);

  it('refuses the worker user the dead-letter queue (the DLQ command’s) and any other name', async () => {
    const url = users.url('worker', 'amqp', host);
    const refused = new RegExp(`403 \\(ACCESS-REFUSED\\).*refused for user '${BROKER_USERS.worker}'`);
    expect(await refusal(url, (ch) => ch.get(topology.deadLetterQueue))).toMatch(refused);
    expect(await refusal(url, (ch) => ch.consume(topology.deadLetterQueue, () => undefined))).toMatch(refused);
    expect(await refusal(url, (ch) => ch.purgeQueue(topology.deadLetterQueue))).toMatch(refused);
    expect(await refusal(url, (ch) => ch.assertQueue('elsewhere.task.watermark'))).toMatch(refused);
    expect(await refusal(url, publishTo('', topology.workQueues.watermark))).toMatch(refused);
  }, 60_000);

  it('refuses the DLQ user the work queues, the dead-letter exchange and any declare', async () => {
    const url = users.url('dlq', 'amqp', host);
    const refused = new RegExp(`403 \\(ACCESS-REFUSED\\).*refused for user '${BROKER_USERS.dlq}'`);
    expect(await refusal(url, (ch) => ch.consume(topology.workQueues.watermark, () => undefined))).toMatch(refused);
    expect(await refusal(url, (ch) => ch.get(topology.deadLetterEventsQueue))).toMatch(refused);
    expect(await refusal(url, publishTo(topology.deadLetterExchange))).toMatch(refused);
    expect(await refusal(url, (ch) => ch.deleteQueue(topology.deadLetterQueue))).toMatch(refused);
    expect(await refusal(url, (ch) => ch.assertExchange(topology.taskExchange, 'direct', { durable: true }))).toMatch(refused);
  }, 60_000);

  it('an API left to declare the topology as its own user (no configure permission) stops with one line', async () => {
    const port = await freePort();
    const declaring = startChild('api', [API_ENTRY], { ...common, AMQP_URL: users.url('api', 'amqp', host), PORT: String(port), HOST: '127.0.0.1', AUTH: 'off', LOG_LEVEL: 'silent' });
    const exit = await Promise.race([declaring.exited, new Promise<'running'>((done) => setTimeout(() => done('running'), 20_000).unref())]);
    if (exit === 'running') await declaring.stop('SIGKILL');
    expect(exit).toEqual({ code: 1, signal: null });
    const lines = declaring.stderr().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^offload-api: RabbitMQ refused to declare the topology: .*ACCESS_REFUSED/);
  }, 30_000);
});
