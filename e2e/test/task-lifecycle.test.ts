import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyWebhook, type TaskRecord, type TaskResultRef } from '@offload/contracts';
import { loadWorkerConfig, runWorker, type RunningWorker, type TaskHandler } from '@offload/worker/testing';
import { TEST_AMQP_URL, deleteTestTopology, tempDataDir, uniquePrefix, waitUntil } from '@offload/test-support';
import { API_ENTRY, freePort, startNode, waitForHttp, type RunningProcess } from './processes';

/**
 * Cancel, schedule and priority against a real API process, real RabbitMQ and workers in this
 * process (another process than the API's): the record database and the broker carry every
 * signal, nothing is shared in memory.
 */
describe('task lifecycle: cancel, schedule, priority', () => {
  const prefix = uniquePrefix();
  let dataDir: { path: string; remove: () => Promise<void> };
  let api: RunningProcess;
  let base: string;
  let port: number;
  let env: Record<string, string>;
  /** Task ids in the order their runs started, and how each ended. */
  const started: string[] = [];
  const aborted = new Set<string>();
  /** Ids that failed their first attempt. */
  const failedOnce = new Set<string>();
  const workers: RunningWorker[] = [];

  /** What a task does is in its first row: `mode` fail-first (retryably), hold (until aborted), or nothing. */
  const handler: TaskHandler<'analysis'> = async (content, { taskId, storage, signal }) => {
    started.push(taskId);
    const mode = content.rows?.[0]?.mode;
    if (mode === 'fail-first' && !failedOnce.has(taskId)) {
      failedOnce.add(taskId);
      throw new Error('first attempt fails on purpose');
    }
    if (mode === 'hold') {
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
      aborted.add(taskId);
      throw signal.reason;
    }
    const result: TaskResultRef = { output_key: `out_${taskId}.json`, content_type: 'application/json' };
    await storage.blobs.put(result.output_key, Buffer.from('{}'));
    return result;
  };

  async function startApi(): Promise<void> {
    api = startNode(API_ENTRY, { ...env, LOG_LEVEL: 'warn', PORT: String(port), HOST: '127.0.0.1', AUTH: 'off' });
    await waitForHttp(`${base}/readyz`);
  }

  async function startWorker(concurrency = 2): Promise<RunningWorker> {
    const config = loadWorkerConfig({
      ...env,
      LOG_LEVEL: 'silent',
      WORKER_HTTP_PORT: '0',
      WORKER_TASK_TYPES: 'analysis',
      WORKER_CONCURRENCY: String(concurrency),
      RETRY_BASE_MS: '1500',
      RETRY_MAX_MS: '1500',
      // The test's webhook receiver listens on loopback, refused unless named here.
      CALLBACK_ALLOW: '127.0.0.1',
    });
    const running = await runWorker({ config, name: 'e2e-lifecycle-worker', handlers: { analysis: handler }, taskTypes: ['analysis'], healthHost: '127.0.0.1' });
    workers.push(running);
    return running;
  }

  async function stopWorkers(): Promise<void> {
    await Promise.all(workers.splice(0).map((w) => w.shutdown('test')));
  }

  beforeAll(async () => {
    dataDir = await tempDataDir('offload-e2e-lifecycle');
    port = await freePort();
    base = `http://127.0.0.1:${port}`;
    env = { AMQP_URL: TEST_AMQP_URL, QUEUE_PREFIX: prefix, DATA_DIR: dataDir.path };
    await startApi();
  });

  afterEach(async () => {
    await stopWorkers();
  });

  afterAll(async () => {
    await api.stop();
    await deleteTestTopology(prefix);
    await dataDir.remove();
  });

  async function submit(extra: Record<string, unknown> = {}, mode = 'none'): Promise<{ status: number; body: { id: string; status: string } }> {
    const res = await fetch(`${base}/v1/tasks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ task_type: 'analysis', content: { rows: [{ a: 1, mode }] }, ...extra }),
    });
    return { status: res.status, body: (await res.json()) as { id: string; status: string } };
  }
  const record = async (id: string): Promise<TaskRecord> => (await (await fetch(`${base}/v1/tasks/${id}`)).json()) as TaskRecord;
  const cancel = async (id: string) => {
    const res = await fetch(`${base}/v1/tasks/${id}/cancel`, { method: 'POST' });
    return { status: res.status, body: (await res.json()) as TaskRecord & { code?: string } };
  };
  const until = (id: string, status: string, description = `task ${id} ${status}`) =>
    waitUntil(async () => {
      const r = await record(id);
      return r.status === status ? r : undefined;
    }, { description, timeoutMs: 30_000 });

  it('cancels a queued task: it ends cancelled at once and the worker that later gets its message never runs it', async () => {
    const { body } = await submit();
    expect(body.status).toBe('queued');
    const cancelled = await cancel(body.id);
    expect(cancelled.status).toBe(202);
    expect(cancelled.body).toMatchObject({ id: body.id, status: 'cancelled' });
    expect(cancelled.body.finished_at).toBeDefined();

    const marker = await submit();
    await startWorker();
    await until(marker.body.id, 'succeeded');
    expect(started).not.toContain(body.id);
    expect((await record(body.id)).status).toBe('cancelled');
    // Repeating a cancel answers with the record; a finished task is 409.
    expect((await cancel(body.id)).status).toBe(202);
    const finished = await cancel(marker.body.id);
    expect([finished.status, finished.body.code]).toEqual([409, 'task_finished']);
  });

  it('cancels a scheduled task: it never runs, though a worker is idle when it falls due', async () => {
    await startWorker();
    const { status, body } = await submit({ delay_ms: 1_500 });
    expect([status, body.status]).toEqual([202, 'scheduled']);
    expect((await record(body.id)).run_at).toBeDefined();
    expect((await cancel(body.id)).body.status).toBe('cancelled');
    const marker = await submit({ delay_ms: 2_000 });
    await until(marker.body.id, 'succeeded');
    expect(started).not.toContain(body.id);
    expect((await record(body.id)).status).toBe('cancelled');
  });

  it('cancels a retrying task: its delayed retry is dropped unrun', async () => {
    await startWorker();
    const target = (await submit({}, 'fail-first')).body.id;
    await until(target, 'retrying');
    expect((await cancel(target)).body.status).toBe('cancelled');
    // The retry comes back after RETRY_BASE_MS (1.5 s) and is dropped.
    const marker = await submit({ delay_ms: 3_000 });
    await until(marker.body.id, 'succeeded');
    expect(started.filter((s) => s === target)).toHaveLength(1);
    expect((await record(target)).status).toBe('cancelled');
  });

  it('cancels a running task: its worker aborts the run, the record ends cancelled with no result', async () => {
    await startWorker();
    const { body } = await submit({}, 'hold');
    await until(body.id, 'processing');
    const asked = await cancel(body.id);
    expect(asked.status).toBe(202);
    expect(asked.body).toMatchObject({ status: 'processing' });
    expect(asked.body.cancel_requested_at).toBeDefined();
    const ended = await until(body.id, 'cancelled');
    expect(aborted.has(body.id)).toBe(true);
    expect(ended.result).toBeUndefined();
    expect((await fetch(`${base}/v1/tasks/${body.id}/result`)).status).toBe(409);
  });

  it('cancels in bulk by the listing filters, at most what it may, and cancels nothing twice', async () => {
    const ids = await Promise.all(Array.from({ length: 5 }, async () => (await submit({ delay_ms: 600_000 })).body.id));
    const bare = await fetch(`${base}/v1/tasks/cancel`, { method: 'POST' });
    expect(bare.status).toBe(422);
    const res = await fetch(`${base}/v1/tasks/cancel?status=scheduled&task_type=analysis`, { method: 'POST' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ cancelled: 5, more: false });
    for (const id of ids) expect((await record(id)).status).toBe('cancelled');
    const again = await fetch(`${base}/v1/tasks/cancel`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ status: ['scheduled'] }) });
    expect(await again.json()).toEqual({ cancelled: 0, more: false });
  });

  it('refuses a schedule beyond a year, and run_at with delay_ms', async () => {
    const far = await submit({ run_at: new Date(Date.now() + 400 * 24 * 3600 * 1000).toISOString() });
    expect(far.status).toBe(422);
    const both = await submit({ run_at: new Date(Date.now() + 1000).toISOString(), delay_ms: 1000 });
    expect(both.status).toBe(422);
    const bad = await submit({ priority: 'urgent' });
    expect(bad.status).toBe(422);
  });

  it('runs a scheduled task no earlier than due, after its workers and the API restarted while it waited', async () => {
    await startWorker();
    const runAt = new Date(Date.now() + 4_000);
    const { body } = await submit({ run_at: runAt.toISOString() });
    expect(body.status).toBe('scheduled');
    await stopWorkers();
    await api.stop();
    await startApi();
    await startWorker();
    const done = await until(body.id, 'succeeded');
    expect(Date.parse(done.started_at ?? '')).toBeGreaterThanOrEqual(runAt.getTime());
  }, 60_000);

  it('starts a high-priority task ahead of a backlog of normal ones of its type', async () => {
    const backlog = 300;
    for (let i = 0; i < backlog; i += 50) await Promise.all(Array.from({ length: 50 }, () => submit()));
    const urgent = await submit({ priority: 'high' });
    expect((await record(urgent.body.id)).priority).toBe('high');
    const before = started.length;
    await startWorker(1);
    await until(urgent.body.id, 'succeeded');
    // One run slot, and the normal queue's consumer holds at most one delivery in hand.
    const position = started.slice(before).indexOf(urgent.body.id);
    expect(position).toBeGreaterThanOrEqual(0);
    expect(position).toBeLessThanOrEqual(2);
    const ran = started.length - before;
    expect(ran).toBeLessThan(backlog / 2);
  }, 120_000);

  describe('webhooks of tasks that end', () => {
    let server: Server;
    let origin: string;
    const received: { path: string; headers: IncomingHttpHeaders; body: string }[] = [];

    beforeAll(async () => {
      server = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          received.push({ path: req.url ?? '/', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
          res.writeHead(204).end();
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    const secret = async (): Promise<string> => ((await (await fetch(`${base}/v1/webhooks/secret`)).json()) as { secret: string }).secret;
    const delivered = (path: string) => waitUntil(async () => received.find((r) => r.path === path), { description: `a webhook on ${path}`, timeoutMs: 30_000 });

    it('POSTs the signed final record when a run succeeds, and records the delivery', async () => {
      await startWorker();
      const { body } = await submit({ callback_url: `${origin}/done` });
      const hook = await delivered('/done');
      const sent = JSON.parse(hook.body) as TaskRecord;
      expect(sent).toMatchObject({ id: body.id, status: 'succeeded' });
      const headers = hook.headers as Record<string, string>;
      expect(headers['webhook-id']).toBeDefined();
      expect(await verifyWebhook({ secret: await secret(), headers, body: hook.body, nowS: Math.floor(Date.now() / 1000) })).toEqual({ ok: true });
      const after = await waitUntil(async () => {
        const r = await record(body.id);
        return r.callback?.state === 'delivered' ? r : undefined;
      }, { description: 'the delivery on the record' });
      expect(after.callback?.attempts.map((a) => a.status_code)).toEqual([204]);
    });

    it('POSTs the record of a scheduled task a client cancelled (the announcement waits in the schedule until the broker confirmed it)', async () => {
      const { body } = await submit({ callback_url: `${origin}/cancelled`, delay_ms: 600_000 });
      await cancel(body.id);
      await startWorker();
      const hook = await delivered('/cancelled');
      expect(JSON.parse(hook.body)).toMatchObject({ id: body.id, status: 'cancelled' });
    });
  });
});
