import { readFileSync } from 'node:fs';
import type { TaskResultRef, WorkerView } from '@offload/contracts';
import { loadWorkerConfig, runWorker, type TaskHandler } from '@offload/worker/testing';
import { TEST_AMQP_URL, deleteTestTopology, tempDataDir, uniquePrefix, waitUntil } from '@offload/test-support';
import { API_ENTRY, WORKER_ENTRY, freePort, startNode, waitForHttp, type RunningProcess } from './processes';

const WORKER_VERSION = (JSON.parse(readFileSync(require.resolve('@offload/worker/package.json'), 'utf8')) as { version: string }).version;

/** An analysis handler that holds each task until the test lets it go. */
function gatedHandler() {
  const waiting: (() => void)[] = [];
  const handler: TaskHandler<'analysis'> = async (_content, { taskId, storage }) => {
    await new Promise<void>((resolve) => waiting.push(resolve));
    const result: TaskResultRef = { output_key: `out_${taskId}.json`, content_type: 'application/json' };
    await storage.blobs.put(result.output_key, Buffer.from('{}'));
    return result;
  };
  return { handler, release: () => waiting.splice(0).forEach((go) => go()) };
}

describe('GET /v1/workers with real workers', () => {
  const prefix = uniquePrefix();
  let dataDir: { path: string; remove: () => Promise<void> };
  let api: RunningProcess;
  let base: string;
  let env: Record<string, string>;
  const gate = gatedHandler();
  let killed: RunningProcess | undefined;

  beforeAll(async () => {
    dataDir = await tempDataDir('offload-e2e-workers');
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    env = { AMQP_URL: TEST_AMQP_URL, QUEUE_PREFIX: prefix, DATA_DIR: dataDir.path };
    api = startNode(API_ENTRY, { ...env, LOG_LEVEL: 'warn', PORT: String(port), HOST: '127.0.0.1', AUTH: 'off' });
    await waitForHttp(`${base}/readyz`);
  });

  afterAll(async () => {
    gate.release();
    await killed?.stop('SIGKILL');
    await api.stop();
    await deleteTestTopology(prefix);
    await dataDir.remove();
  });

  const workers = async (): Promise<WorkerView[]> => {
    const res = await fetch(`${base}/v1/workers`);
    expect(res.status).toBe(200);
    return ((await res.json()) as { workers: WorkerView[] }).workers;
  };
  const find = async (id: string) => (await workers()).find((w) => w.id === id);

  it('lists a worker of this process as live with the task it runs, and no more once it stopped gracefully', async () => {
    const config = loadWorkerConfig({ ...env, LOG_LEVEL: 'silent', WORKER_HTTP_PORT: '0', WORKER_HEARTBEAT_MS: '200', WORKER_TASK_TYPES: 'analysis', WORKER_CONCURRENCY: '3' });
    const running = await runWorker({ config, name: 'e2e-heartbeat-worker', handlers: { analysis: gate.handler }, taskTypes: ['analysis'], healthHost: '127.0.0.1' });
    try {
      const id = running.worker.id;
      expect(await find(id)).toMatchObject({ pid: process.pid, version: WORKER_VERSION, task_types: ['analysis'], concurrency: 3, beat_interval_ms: 200, running_task_ids: [], status: 'live' });

      const accepted = await fetch(`${base}/v1/tasks`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ task_type: 'analysis', content: { rows: [{ a: 1 }] } }) });
      expect(accepted.status).toBe(202);
      const taskId = ((await accepted.json()) as { id: string }).id;
      const busy = await waitUntil(async () => {
        const w = await find(id);
        return w?.running_task_ids.includes(taskId) ? w : undefined;
      }, { description: 'the running task listed with its worker' });
      expect(busy.status).toBe('live');

      gate.release();
      await waitUntil(async () => ((await (await fetch(`${base}/v1/tasks/${taskId}`)).json()) as { status: string }).status === 'succeeded', { description: 'the task to succeed' });
      await waitUntil(async () => (await find(id))?.running_task_ids.length === 0, { description: 'an empty running list' });
    } finally {
      await running.shutdown('test');
    }
    expect(await find(running.worker.id)).toBeUndefined();
  });

  it('lists a worker process killed with SIGKILL as lost', async () => {
    killed = startNode(WORKER_ENTRY, { ...env, LOG_LEVEL: 'warn', WORKER_HTTP_PORT: '0', WORKER_HEARTBEAT_MS: '200', WORKER_TASK_TYPES: 'watermark' });
    const pid = killed.child.pid;
    const live = await waitUntil(async () => (await workers()).find((w) => w.pid === pid && w.status === 'live'), { description: 'the worker process listed live' });
    expect(live).toMatchObject({ version: WORKER_VERSION, task_types: ['watermark'], beat_interval_ms: 200 });

    await killed.stop('SIGKILL');

    const lost = await waitUntil(async () => {
      const w = await find(live.id);
      return w?.status === 'lost' ? w : undefined;
    }, { description: 'the killed worker listed lost' });
    expect(lost.last_beat_at >= live.last_beat_at).toBe(true);
  });
});
