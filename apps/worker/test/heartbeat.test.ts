import { createLogger } from '@offload/telemetry';
import { waitUntil } from '@offload/test-support';
import type { WorkerStore } from '@offload/storage';
import { createWorkerHarness, type WorkerHarness } from './harness';
import { scriptedHandler, task } from './scripted-handler';

/** A heartbeat store whose beats fail while `failing` is set. */
function flakyWorkers(workers: WorkerStore, state: { failing: boolean; failed: number }): WorkerStore {
  return {
    ...workers,
    beat: (heartbeat) => {
      if (!state.failing) return workers.beat(heartbeat);
      state.failed++;
      return Promise.reject(new Error('the record database is away (test)'));
    },
  };
}

describe('worker heartbeat', () => {
  const script = scriptedHandler();
  let h: WorkerHarness;

  beforeAll(async () => {
    h = await createWorkerHarness({ handlers: { watermark: script.handler }, concurrency: 2, heartbeatMs: 100 });
  });
  afterAll(async () => {
    script.releaseHung();
    await h.close();
  });

  const rowOf = async (id: string) => (await h.storage.workers.list()).find((w) => w.id === id);

  it('writes its row on start, with its identity, and reports the tasks it is running', async () => {
    const worker = await h.startWorker();
    const row = await rowOf(worker.id);
    expect(row).toMatchObject({ pid: process.pid, taskTypes: ['watermark'], concurrency: 2, beatIntervalMs: 100, runningTaskIds: [] });
    expect(row?.version).toMatch(/^\d+\.\d+\.\d+/);

    const id = await h.submit(task('hang'));
    await waitUntil(async () => (await rowOf(worker.id))?.runningTaskIds.includes(id), { description: 'the running task in the heartbeat row' });
    script.releaseHung();
    await h.waitForStatus(id, ['succeeded']);
    await waitUntil(async () => (await rowOf(worker.id))?.runningTaskIds.length === 0, { description: 'an empty running list after the task ends' });
    await worker.close();
  });

  it('keeps beating while it drains, and deletes its row once closed', async () => {
    const worker = await h.startWorker();
    const id = await h.submit(task('slow:1500'));
    await waitUntil(async () => (await rowOf(worker.id))?.runningTaskIds.includes(id), { description: 'the running task in the heartbeat row' });
    const closing = worker.close();
    const beatAtClose = (await rowOf(worker.id))?.beatMs ?? 0;
    const during = await waitUntil(async () => {
      const row = await rowOf(worker.id);
      return row !== undefined && row.beatMs > beatAtClose ? row : undefined;
    }, { description: 'a beat while draining' });
    await closing;

    expect(during.runningTaskIds).toEqual([id]);
    expect(await rowOf(worker.id)).toBeUndefined();
  });

  it('logs a failed beat at warn, keeps working, and beats again once the database is back', async () => {
    const lines: string[] = [];
    const logger = createLogger({ name: 'worker-test', level: 'warn', destination: { write: (line: string) => void lines.push(line) } });
    const state = { failing: true, failed: 0 };
    const worker = await h.startWorker({ logger, wrapWorkers: (workers) => flakyWorkers(workers, state) });
    await waitUntil(() => state.failed >= 2, { description: 'two failed beats' });

    const id = await h.submit(task('ok'));
    await h.waitForStatus(id, ['succeeded']);
    const warnings = lines.map((l) => JSON.parse(l) as { level: string; msg: string; worker_id?: string }).filter((l) => l.msg.startsWith('writing the heartbeat failed'));
    expect(warnings.length).toBeGreaterThanOrEqual(2);
    expect(warnings.every((w) => w.level === 'warn' && w.worker_id === worker.id)).toBe(true);
    expect(await rowOf(worker.id)).toBeUndefined();

    state.failing = false;
    await waitUntil(() => rowOf(worker.id), { description: 'a beat after the database is back' });
    await worker.close();
  });
});
