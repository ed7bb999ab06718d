import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TEST_AMQP_URL, deleteTestTopology, tempDataDir, uniquePrefix, waitUntil } from '@offload/test-support';
import { API_ENTRY, REPO_ROOT, WORKER_ENTRY, freePort, startNode, waitForHttp, type RunningProcess } from './processes';

/** What Prometheus' HTTP API answers to an instant query. */
interface QueryAnswer {
  status: string;
  data: { result: { metric: Record<string, string>; value: [number, string] }[] };
}
interface RulesAnswer {
  data: { groups: { name: string; rules: { name: string; type: string; health: string; lastError?: string; state?: string; lastEvaluation: string }[] }[] };
}

/**
 * A real Prometheus (Debian's package; its own port, data dir and config, never the system's)
 * scrapes the built API and worker processes and evaluates deploy/observability/alerts.yaml.
 */
describe('Prometheus scraping the API and a worker', () => {
  const prefix = uniquePrefix();
  let dataDir: { path: string; remove: () => Promise<void> };
  let promDir: string;
  let api: RunningProcess;
  let worker: RunningProcess;
  let prometheus: RunningProcess;
  let apiBase: string;
  let promBase: string;

  beforeAll(async () => {
    const installed = spawnSync('prometheus', ['--version'], { encoding: 'utf8' });
    if (installed.error !== undefined) {
      throw new Error(`prometheus is needed for this test and could not be run (${installed.error.message}): install it with \`apt-get install prometheus\` (Debian), as .ci/run does`);
    }
    dataDir = await tempDataDir('offload-e2e-prometheus');
    promDir = await mkdtemp(join(tmpdir(), 'offload-e2e-prometheus-tsdb-'));
    const [apiPort, workerPort, promPort] = [await freePort(), await freePort(), await freePort()];
    apiBase = `http://127.0.0.1:${apiPort}`;
    promBase = `http://127.0.0.1:${promPort}`;
    const env = { AMQP_URL: TEST_AMQP_URL, QUEUE_PREFIX: prefix, DATA_DIR: dataDir.path, LOG_LEVEL: 'warn' };
    api = startNode(API_ENTRY, { ...env, PORT: String(apiPort), HOST: '127.0.0.1', AUTH: 'off' });
    await waitForHttp(`${apiBase}/readyz`);
    worker = startNode(WORKER_ENTRY, { ...env, WORKER_HTTP_PORT: String(workerPort), WORKER_TASK_TYPES: 'analysis', WORKER_CONCURRENCY: '1' });
    await waitForHttp(`http://127.0.0.1:${workerPort}/readyz`);

    // The jobs of deploy/observability/prometheus.yml, on loopback (the API's /metrics needs no token there).
    const config = [
      'global: { scrape_interval: 1s, evaluation_interval: 1s }',
      `rule_files: [${JSON.stringify(join(REPO_ROOT, 'deploy/observability/alerts.yaml'))}]`,
      'scrape_configs:',
      `  - { job_name: offload-api, static_configs: [{ targets: ["127.0.0.1:${apiPort}"] }] }`,
      `  - { job_name: offload-worker, static_configs: [{ targets: ["127.0.0.1:${workerPort}"] }] }`,
      '',
    ].join('\n');
    await writeFile(join(promDir, 'prometheus.yml'), config);
    prometheus = startPrometheus(['--config.file=' + join(promDir, 'prometheus.yml'), '--storage.tsdb.path=' + join(promDir, 'data'), `--web.listen-address=127.0.0.1:${promPort}`, '--log.level=warn']);
    await waitForHttp(`${promBase}/-/ready`, 30_000);
  }, 90_000);

  afterAll(async () => {
    await Promise.all([prometheus?.stop(), worker?.stop(), api?.stop()]);
    await deleteTestTopology(prefix);
    await dataDir?.remove();
    if (promDir !== undefined) await rm(promDir, { recursive: true, force: true });
  });

  async function query(promql: string): Promise<QueryAnswer['data']['result']> {
    const res = await fetch(`${promBase}/api/v1/query?query=${encodeURIComponent(promql)}`);
    const body = (await res.json()) as QueryAnswer;
    if (body.status !== 'success') throw new Error(`query ${promql}: ${JSON.stringify(body)}`);
    return body.data.result;
  }
  /** The value of a query's only series, once it has one. */
  const valueOf = (promql: string) =>
    waitUntil(async () => {
      const result = await query(promql);
      return result.length === 1 ? Number(result[0]?.value[1]) : undefined;
    }, { timeoutMs: 30_000, description: `a series for ${promql}` });
  async function rules(): Promise<RulesAnswer['data']['groups'][number]['rules']> {
    const body = (await (await fetch(`${promBase}/api/v1/rules`)).json()) as RulesAnswer;
    return body.data.groups.flatMap((g) => g.rules);
  }

  it('scrapes both roles: a task accepted by the API and run by the worker shows on each side', async () => {
    expect(await valueOf('up{job="offload-api"}')).toBe(1);
    expect(await valueOf('up{job="offload-worker"}')).toBe(1);
    const res = await fetch(`${apiBase}/v1/tasks`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ task_type: 'analysis', content: { rows: [{ a: 1 }, { a: 2 }] } }) });
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };
    await waitUntil(async () => ((await (await fetch(`${apiBase}/v1/tasks/${id}`)).json()) as { status: string }).status === 'succeeded', { timeoutMs: 30_000, description: 'the task to succeed' });

    await waitUntil(async () => (await query('offload_tasks_submitted_total{job="offload-api",task_type="analysis",outcome="accepted",role="api"} >= 1')).length === 1, { timeoutMs: 30_000, description: 'the accepted task in Prometheus' });
    await waitUntil(async () => (await query('offload_tasks_processed_total{job="offload-worker",task_type="analysis",outcome="succeeded",role="worker"} >= 1')).length === 1, { timeoutMs: 30_000, description: 'the succeeded task in Prometheus' });
    await waitUntil(async () => (await query('offload_task_wait_seconds_count{job="offload-worker",task_type="analysis"} >= 1')).length === 1, { timeoutMs: 30_000, description: 'the wait time in Prometheus' });
    expect(await valueOf('offload_worker_concurrency{job="offload-worker"}')).toBe(1);
    // Read from RabbitMQ at scrape time by the API: the task's queue, empty again.
    expect(await valueOf('offload_queue_messages{job="offload-api",task_type="analysis",queue="normal",state="ready"}')).toBe(0);
    expect(await valueOf('offload_dead_letter_messages{job="offload-api",state="ready"}')).toBe(0);
    // Record database calls, timed in each role.
    expect((await query('offload_record_store_duration_seconds_count{job="offload-worker",store="records",operation="update",outcome="ok"}')).length).toBe(1);
    expect((await query('offload_record_store_duration_seconds_count{job="offload-api",store="records",operation="create",outcome="ok"}')).length).toBe(1);
  });

  it('evaluates every alert rule without error, and OffloadNoWorkerUp goes pending once the worker is gone', async () => {
    const evaluated = await waitUntil(async () => {
      const all = await rules();
      return all.length > 0 && all.every((r) => !r.lastEvaluation.startsWith('0001')) ? all : undefined;
    }, { timeoutMs: 30_000, description: 'every rule evaluated once' });
    expect(evaluated.map((r) => [r.name, r.health, r.lastError ?? ''])).toEqual(evaluated.map((r) => [r.name, 'ok', '']));
    expect(evaluated.find((r) => r.name === 'OffloadNoWorkerUp')?.state).toBe('inactive');

    await worker.stop();
    const noWorker = await waitUntil(async () => {
      const rule = (await rules()).find((r) => r.name === 'OffloadNoWorkerUp');
      return rule?.state === 'pending' || rule?.state === 'firing' ? rule : undefined;
    }, { timeoutMs: 30_000, description: 'OffloadNoWorkerUp pending' });
    expect(noWorker.health).toBe('ok');
  });
});

/** Starts Debian's prometheus binary; fails with one clear line when it is not installed. */
function startPrometheus(args: string[]): RunningProcess {
  const child = spawn('prometheus', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => child.on('exit', (code, signal) => done({ code, signal })));
  child.on('error', (err) => (out += `prometheus: ${err.message}\n`));
  return {
    child,
    output: () => out,
    stderr: () => out,
    exited,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) child.kill(signal);
      return child.pid === undefined ? { code: null, signal: null } : exited;
    },
  };
}
