import type { RecordStore } from '@offload/storage';
import { createWorkerHarness, type WorkerHarness } from './harness';
import { scriptedHandler, task } from './scripted-handler';

// The record store (Redis, or a network file system) goes away for a while: tasks wait and then
// finish; the messages held meanwhile are not spun through the queue.
describe('worker, record store unavailable for a while', () => {
  const script = scriptedHandler();
  let h: WorkerHarness;

  beforeAll(async () => {
    h = await createWorkerHarness({ handlers: { watermark: script.handler }, concurrency: 2 });
  });
  afterAll(async () => {
    await h.close();
  });

  it('finishes the task once the store is back, trying about once per pause meanwhile', async () => {
    let down = true;
    let failedReads = 0;
    await h.startWorker({
      settleRetryDelayMs: 250,
      wrapRecords: (records): RecordStore => ({
        ...records,
        get: (id) => {
          if (!down) return records.get(id);
          failedReads += 1;
          return Promise.reject(new Error('record store unreachable'));
        },
      }),
    });

    const id = await h.submit(task('ok'));
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const readsWhileDown = failedReads;
    down = false;

    expect((await h.waitForStatus(id, ['succeeded'])).attempts).toBe(1);
    expect(readsWhileDown).toBeGreaterThanOrEqual(2);
    // Without the pause it is a hot loop: hundreds of redeliveries in 1.5 s.
    expect(readsWhileDown).toBeLessThanOrEqual(12);
  });
});
