import { waitUntil } from '@offload/test-support';
import { createWorkerHarness, type WorkerHarness } from './harness';
import { scriptedHandler, task } from './scripted-handler';

/** The worker's Prometheus metrics after real runs on a real broker. */
describe('worker metrics', () => {
  const script = scriptedHandler();
  let h: WorkerHarness;

  beforeAll(async () => {
    h = await createWorkerHarness({ handlers: { watermark: script.handler }, concurrency: 2, maxAttempts: 3 });
    await h.startWorker();
  });
  afterAll(async () => {
    script.releaseHung();
    await h.close();
  });

  const value = (text: string, series: string): number | undefined => {
    const line = text.split('\n').find((l) => l.startsWith(`${series} `));
    return line === undefined ? undefined : Number(line.slice(series.length + 1));
  };

  it('shows its slots, the slots in use while a task runs, and none once it ended', async () => {
    const id = await h.submit(task('hang'));
    await h.waitForStatus(id, ['processing']);
    const running = await h.metricsText();
    expect(value(running, 'offload_worker_concurrency{role="worker"}')).toBe(2);
    expect(value(running, 'offload_worker_slots_in_use{role="worker"}')).toBe(1);
    expect(value(running, 'offload_tasks_in_flight{task_type="watermark",role="worker"}')).toBe(1);
    script.releaseHung();
    await h.waitForStatus(id, ['succeeded']);
    await waitUntil(async () => value(await h.metricsText(), 'offload_worker_slots_in_use{role="worker"}') === 0, { timeoutMs: 5_000, description: 'the slot to be free' });
  });

  it('observes the wait of a first run and the run time, and counts a retry by its code', async () => {
    const id = await h.submit(task('transient:1'));
    await h.waitForStatus(id, ['succeeded']);
    await waitUntil(async () => (await h.processed('succeeded')) >= 2, { timeoutMs: 5_000, description: 'both tasks settled' });
    const text = await h.metricsText();
    // One observation per task: the retry's second run is no new wait.
    expect(value(text, 'offload_task_wait_seconds_count{role="worker",task_type="watermark"}')).toBe(2);
    expect(value(text, 'offload_task_failures_total{task_type="watermark",code="handler_failed",outcome="retried",role="worker"}')).toBe(1);
    expect(value(text, 'offload_task_duration_seconds_count{role="worker",task_type="watermark",outcome="succeeded"}')).toBe(2);
    expect(value(text, 'offload_task_duration_seconds_count{role="worker",task_type="watermark",outcome="failed"}')).toBe(1);
  });
});
