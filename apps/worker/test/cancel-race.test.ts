import { setTimeout as sleep } from 'node:timers/promises';
import { taskCancelRequested, type TaskResultRef } from '@offload/contracts';
import { waitUntil } from '@offload/test-support';
import type { TaskHandler } from '../src/handlers/handler';
import { createWorkerHarness, type WorkerHarness } from './harness';
import { task } from './scripted-handler';

/**
 * A run that finishes in the moment between a client's cancel and its worker noticing it: the
 * record ends cancelled, its output is not the result, and the blobs the run wrote are deleted
 * (no record names them, so retention never would).
 */
describe('a run that finishes after its task was cancelled', () => {
  let h: WorkerHarness;
  const handler: TaskHandler<'watermark'> = async (_content, { taskId, storage }) => {
    // Finish only once the cancel is on the record, long before the watch (a minute) reads it.
    while ((await storage.records.get(taskId))?.cancel_requested_at === undefined) await sleep(20);
    const result: TaskResultRef = {
      output_key: `out_${taskId}.txt`,
      content_type: 'text/plain',
      outputs: [{ name: 'extra', output_key: `out_${taskId}.extra.txt`, content_type: 'text/plain', bytes: 5 }],
    };
    await storage.blobs.put(result.output_key, Buffer.from('done'));
    await storage.blobs.put(`out_${taskId}.extra.txt`, Buffer.from('extra'));
    return result;
  };

  beforeAll(async () => {
    h = await createWorkerHarness({ handlers: { watermark: handler } });
    await h.startWorker({ cancelPollMs: 60_000 });
  });
  afterAll(() => h.close());

  it('ends cancelled with no result and leaves none of its outputs', async () => {
    const id = await h.submit(task('ok'));
    await h.waitForStatus(id, ['processing']);
    const asked = await h.storage.records.update(id, (current) => taskCancelRequested(current, new Date()));
    expect(asked.applied).toBe(true);
    const record = await h.waitForStatus(id, ['cancelled']);
    expect(record.result).toBeUndefined();
    // The outputs go after the record's write, before the delivery is settled.
    await waitUntil(async () => ((await h.processed('cancelled')) >= 1 ? true : undefined), { description: 'the delivery settled as cancelled' });
    expect(await h.storage.blobs.exists(`out_${id}.txt`)).toBe(false);
    expect(await h.storage.blobs.exists(`out_${id}.extra.txt`)).toBe(false);
  });
});
