import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { waitUntil } from '@offload/test-support';
import { createWorkerHarness, type WorkerHarness } from './harness';
import { scriptedHandler, task } from './scripted-handler';

const run = promisify(execFile);

/** Closes, on the broker side, the connection whose channel consumes `queue` (a network drop, as the worker sees it). */
async function dropConsumerConnection(queue: string): Promise<void> {
  const consumers = (await run('rabbitmqctl', ['-q', 'list_consumers', 'queue_name', 'channel_pid'])).stdout;
  const channelPid = consumers
    .split('\n')
    .map((line) => line.split('\t'))
    .find(([name]) => name === queue)?.[1];
  if (channelPid === undefined) throw new Error(`no consumer on ${queue}`);
  const channels = (await run('rabbitmqctl', ['-q', 'list_channels', 'pid', 'connection'])).stdout;
  const connectionPid = channels
    .split('\n')
    .map((line) => line.split('\t'))
    .find(([pid]) => pid === channelPid)?.[1];
  if (connectionPid === undefined) throw new Error(`no connection for channel ${channelPid}`);
  await run('rabbitmqctl', ['-q', 'close_connection', connectionPid, 'test: simulated network drop']);
}

describe('worker on connection loss', () => {
  const script = scriptedHandler();
  let h: WorkerHarness;

  beforeAll(async () => {
    h = await createWorkerHarness({ handlers: { watermark: script.handler }, concurrency: 2 });
    await h.startWorker();
  });
  afterAll(() => h.close());

  it('reconnects, drops the stale delivery of a task it finished, and keeps serving', async () => {
    const id = await h.submit(task('hang'));
    await h.waitForStatus(id, ['processing']);
    await dropConsumerConnection(h.topology.workQueues.watermark);
    await waitUntil(() => !h.manager.isConnected(), { description: 'the drop to be seen' });
    await waitUntil(() => h.manager.isConnected(), { timeoutMs: 30_000, description: 'the worker to reconnect' });
    // Only now does the handler finish, on the dead channel: its ack is dropped, and the
    // redelivery on the new channel (which waited for this run) is acked without running again.
    script.releaseHung();
    const record = await h.waitForStatus(id, ['succeeded'], 30_000);
    expect(record.attempts).toBe(1);
    await waitUntil(async () => (await h.processed('skipped')) >= 1, { timeoutMs: 30_000, description: 'the redelivery to be acked unrun' });
    expect(script.calls(id)).toBe(1);
    const after = await h.submit(task('ok'));
    await h.waitForStatus(after, ['succeeded'], 30_000);
  });
});
