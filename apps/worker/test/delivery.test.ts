import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { rawConnection, waitUntil } from '@offload/test-support';
import { createWorkerHarness, type WorkerHarness } from './harness';
import { scriptedHandler, task } from './scripted-handler';

describe('worker delivery', () => {
  const script = scriptedHandler();
  let h: WorkerHarness;

  beforeAll(async () => {
    h = await createWorkerHarness({ handlers: { watermark: script.handler }, concurrency: 2, maxAttempts: 3, timeoutMs: 1_000 });
    await h.startWorker();
  });
  afterAll(async () => {
    script.releaseHung();
    await h.close();
  });

  async function deadLetters(): Promise<{ id: string | undefined; headers: Record<string, unknown> }[]> {
    const connection = await rawConnection();
    const channel = await connection.createChannel();
    const found: { id: string | undefined; headers: Record<string, unknown> }[] = [];
    for (;;) {
      const message = await channel.get(h.topology.deadLetterQueue, { noAck: false });
      if (message === false) break;
      found.push({ id: message.properties.messageId as string | undefined, headers: message.properties.headers ?? {} });
    }
    await channel.close(); // unacked messages go back to the dead-letter queue
    await connection.close();
    return found;
  }

  it('runs a task, stores its result and marks it succeeded after one attempt', async () => {
    const id = await h.submit(task('ok'));
    const record = await h.waitForStatus(id, ['succeeded']);
    expect(record.attempts).toBe(1);
    expect(record.result).toEqual({ output_key: `out_${id}.txt`, content_type: 'text/plain' });
    expect((await h.storage.blobs.read(`out_${id}.txt`)).toString()).toBe(`done ${id}`);
    expect(record.started_at).toBeDefined();
    expect(record.finished_at).toBeDefined();
  });

  it('dead-letters a message that is not JSON and keeps serving', async () => {
    const messageId = randomUUID();
    await h.publishRaw('watermark', Buffer.from('this is not json'), messageId);
    await waitUntil(async () => (await deadLetters()).find((d) => d.id === messageId), { description: 'the dead letter' });
    const entry = (await deadLetters()).find((d) => d.id === messageId);
    expect(entry?.headers['x-offload-reason']).toBe('invalid_message');
    expect(String(entry?.headers['x-offload-error'])).toMatch(/not UTF-8 JSON/);
    const id = await h.submit(task('ok'));
    await h.waitForStatus(id, ['succeeded']);
  });

  it('marks the record failed with invalid_message when the body fails the schema', async () => {
    const id = randomUUID();
    const now = new Date().toISOString();
    await h.storage.records.create({ id, task_type: 'watermark', status: 'queued', attempts: 0, created_at: now, updated_at: now });
    await h.publishRaw('watermark', Buffer.from(JSON.stringify({ v: 1, id, task_type: 'watermark', content: { image: 42 } })), id);
    const record = await h.waitForStatus(id, ['failed']);
    expect(record.error?.code).toBe('invalid_message');
    expect(script.calls(id)).toBe(0);
  });

  it('dead-letters a permanent failure without retrying it', async () => {
    const id = await h.submit(task('permanent'));
    const record = await h.waitForStatus(id, ['failed']);
    expect(record.error).toEqual({ code: 'corrupt_image', message: 'the image is truncated' });
    expect(record.attempts).toBe(1);
    expect(script.calls(id)).toBe(1);
    const entry = await waitUntil(async () => (await deadLetters()).find((d) => d.id === id));
    expect(entry.headers['x-offload-reason']).toBe('corrupt_image');
    expect(entry.headers['x-offload-error']).toBe('the image is truncated');
    expect(entry.headers['x-offload-attempts']).toBe(1);
  });

  it('retries a transient failure with backoff and then succeeds', async () => {
    const id = await h.submit(task('transient:2'));
    const retrying = await h.waitForStatus(id, ['retrying', 'succeeded']);
    if (retrying.status === 'retrying') {
      expect(retrying.next_attempt_at).toBeDefined();
      expect(retrying.error?.code).toBe('handler_failed');
    }
    const record = await h.waitForStatus(id, ['succeeded']);
    expect(record.attempts).toBe(3);
    expect(record.error).toBeUndefined();
    expect(script.calls(id)).toBe(3);
  });

  it('keeps each run on the record: its worker, and the error and delay of a run that is retried', async () => {
    const id = await h.submit(task('transient:1'));
    const record = await h.waitForStatus(id, ['succeeded']);
    const worker = `${hostname()}:${process.pid}`;
    const [first, second, ...more] = record.runs ?? [];
    expect(more).toEqual([]);
    expect(first).toMatchObject({ attempt: 1, worker, outcome: 'retrying', error: { code: 'handler_failed', message: 'transient failure 1' } });
    // The first retry's delay: RETRY_BASE_MS (200 here) with equal jitter, so 100–200 ms.
    expect(first?.retry_delay_ms).toBeGreaterThanOrEqual(100);
    expect(first?.retry_delay_ms).toBeLessThanOrEqual(200);
    expect(second).toMatchObject({ attempt: 2, worker, outcome: 'succeeded', ended_at: record.finished_at, started_at: record.started_at });
    expect(second?.error).toBeUndefined();
    expect(Date.parse(first?.ended_at ?? '')).toBeLessThanOrEqual(Date.parse(second?.started_at ?? ''));
  });

  it('fails an unclassified error as attempts_exhausted after the attempt cap', async () => {
    const id = await h.submit(task('plain-error'));
    const record = await h.waitForStatus(id, ['failed']);
    expect(record.error?.code).toBe('attempts_exhausted');
    // The record is for clients: an error nobody classified is named by its kind; its text (which
    // may hold a server path) stays in the worker's log and the dead-letter entry.
    expect(record.error?.message).toBe("failed on all 3 attempts; last error (handler_failed): an unexpected Error in the handler (the worker's log has the detail)");
    expect(record.attempts).toBe(3);
    expect(script.calls(id)).toBe(3);
  });

  it('aborts a handler past its time limit and counts it as a retryable failure', async () => {
    const id = await h.submit(task('hang'));
    const record = await h.waitForStatus(id, ['failed'], 30_000);
    expect(record.error?.code).toBe('attempts_exhausted');
    expect(record.error?.message).toMatch(/task_timeout/);
    script.releaseHung();
  });

  it('drops a late message for a task that was not accepted, without running it', async () => {
    const id = randomUUID();
    const now = new Date().toISOString();
    await h.storage.records.create({
      id,
      task_type: 'watermark',
      status: 'failed',
      attempts: 0,
      created_at: now,
      updated_at: now,
      error: { code: 'not_accepted', message: 'no confirm' },
    });
    const payload = { v: 1, id, task_type: 'watermark', content: task('ok').content, created_at: now, retry_count: 0 };
    const skippedBefore = await h.processed('skipped');
    await h.publishRaw('watermark', Buffer.from(JSON.stringify(payload)), id);
    await waitUntil(async () => (await h.processed('skipped')) > skippedBefore, { description: 'the late message to be dropped' });
    expect(script.calls(id)).toBe(0);
    expect((await h.storage.records.get(id))?.status).toBe('failed');
  });

  it('acks a redelivered message of a succeeded task without running it again', async () => {
    const id = await h.submit(task('ok'));
    await h.waitForStatus(id, ['succeeded']);
    const record = await h.storage.records.get(id);
    const payload = { v: 1, id, task_type: 'watermark', content: task('ok').content, created_at: record?.created_at, retry_count: 0 };
    const skippedBefore = await h.processed('skipped');
    await h.publishRaw('watermark', Buffer.from(JSON.stringify(payload)), id);
    await waitUntil(async () => (await h.processed('skipped')) > skippedBefore, { description: 'the redelivery to be acked' });
    expect(script.calls(id)).toBe(1);
  });

  it('runs at most WORKER_CONCURRENCY tasks at once', async () => {
    script.releaseHung();
    await waitUntil(() => script.running() === 0, { description: 'abandoned handlers to finish' });
    script.resetMaxRunning();
    const ids = await Promise.all(Array.from({ length: 6 }, () => h.submit(task('slow:150'))));
    await Promise.all(ids.map((id) => h.waitForStatus(id, ['succeeded'])));
    expect(script.maxRunning()).toBeLessThanOrEqual(2);
    expect(script.maxRunning()).toBe(2);
  });
});
