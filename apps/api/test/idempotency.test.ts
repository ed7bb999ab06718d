import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { randomUUID } from 'node:crypto';
import { newUploadKey } from '@offload/storage';
import { rawConnection } from '@offload/test-support';
import { createApiHarness, type ApiHarness } from './harness';
import { blobFiles, errorPaths, expectProblem, openQueueReader, testImage, type QueueReader } from './fixtures';

describe('Idempotency-Key', () => {
  let harness: ApiHarness;
  let queue: QueueReader;
  let image: string;
  const task = () => ({ task_type: 'watermark', content: { image, watermark: { text: 'same' } } });

  beforeAll(async () => {
    harness = await createApiHarness();
    queue = await openQueueReader();
    image = newUploadKey();
    await harness.storage.blobs.put(image, await testImage('jpeg'));
  });
  afterAll(async () => {
    await queue.close();
    await harness.close();
  });

  async function messagesFor(id: string): Promise<number> {
    const all = await queue.drain(harness.topology.workQueues.watermark);
    return all.filter((m) => m.properties.messageId === id).length;
  }

  it('returns the same task for a repeated request, publishing it once', async () => {
    const key = randomUUID();
    const first = await request(harness.app).post('/v1/tasks').set('Idempotency-Key', key).send(task()).expect(202);
    const again = await request(harness.app).post('/v1/tasks').set('Idempotency-Key', key).send(task()).expect(202);
    expect(again.body).toEqual(first.body);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    await queue.take(harness.topology.workQueues.watermark, first.body.id);
    expect(await messagesFor(first.body.id)).toBe(1);
  });

  it('maps racing requests with one key to one task', async () => {
    const key = randomUUID();
    const responses = await Promise.all(
      Array.from({ length: 5 }, () => request(harness.app).post('/v1/tasks').set('Idempotency-Key', key).send(task())),
    );
    const ids = new Set(responses.map((r) => r.body.id as string));
    expect(responses.map((r) => r.status)).toEqual([202, 202, 202, 202, 202]);
    expect(ids.size).toBe(1);
    const [id] = [...ids];
    await queue.take(harness.topology.workQueues.watermark, String(id));
    expect(await messagesFor(String(id))).toBe(1);
  });

  it('answers 422 when the key is reused with a different body', async () => {
    const key = randomUUID();
    await request(harness.app).post('/v1/tasks').set('Idempotency-Key', key).send(task()).expect(202);
    const other = { task_type: 'watermark', content: { image, watermark: { text: 'different' } } };
    const res = await request(harness.app).post('/v1/tasks').set('Idempotency-Key', key).send(other);
    expectProblem(res, 422, 'idempotency_key_reused');
  });

  it('counts requests that differ only in defaults or key order as the same', async () => {
    const key = randomUUID();
    const first = await request(harness.app).post('/v1/tasks').set('Idempotency-Key', key).send(task()).expect(202);
    const explicit = { content: { watermark: { opacity: 0.5, text: 'same', position: 'bottom-right' }, image }, task_type: 'watermark' };
    const again = await request(harness.app).post('/v1/tasks').set('Idempotency-Key', key).send(explicit).expect(202);
    expect(again.body.id).toBe(first.body.id);
  });

  it('rejects a malformed key with a 422 naming the header', async () => {
    const res = await request(harness.app).post('/v1/tasks').set('Idempotency-Key', 'x'.repeat(256)).send(task());
    expect(errorPaths(expectProblem(res, 422, 'validation_failed'))).toEqual(['headers.idempotency-key']);
  });

  it('replays /v1/images for the same file and options, and keeps no second copy of the upload', async () => {
    const key = randomUUID();
    const bytes = await testImage('png');
    const send = () =>
      request(harness.app).post('/v1/images').set('Idempotency-Key', key).attach('image', bytes, 'a.png').field('text', 'hi').field('opacity', '0.3');
    const first = await send().expect(202);
    const blobsAfterFirst = await blobFiles(harness.dataDir);
    const again = await send().expect(202);
    expect(again.body.id).toBe(first.body.id);
    expect(await blobFiles(harness.dataDir)).toEqual(blobsAfterFirst);
  });

  it('publishes a task again under the same id when retried after a 503', async () => {
    const topology = harness.topology;
    const setBinding = async (bound: boolean) => {
      const connection = await rawConnection();
      const channel = await connection.createChannel();
      if (bound) await channel.bindQueue(topology.workQueues.analysis, topology.taskExchange, 'analysis');
      else await channel.unbindQueue(topology.workQueues.analysis, topology.taskExchange, 'analysis');
      await channel.close();
      await connection.close();
    };
    const key = randomUUID();
    const analysis = { task_type: 'analysis', content: { rows: [{ a: 1 }] } };
    await setBinding(false);
    let refused;
    try {
      refused = await request(harness.app).post('/v1/tasks').set('Idempotency-Key', key).send(analysis);
    } finally {
      await setBinding(true);
    }
    expectProblem(refused, 503, 'broker_unavailable');
    const failed = await harness.storage.records.get(await onlyRecordOf('analysis'));
    expect(failed?.error?.code).toBe('not_accepted');

    const retried = await request(harness.app).post('/v1/tasks').set('Idempotency-Key', key).send(analysis).expect(202);
    expect(retried.body.id).toBe(failed?.id);
    const record = await harness.storage.records.get(retried.body.id);
    expect(record?.status).toBe('queued');
    expect(record?.error).toBeUndefined();
    await queue.take(topology.workQueues.analysis, retried.body.id);
  });

  it('creates a new task once the key has expired', async () => {
    const short = await createApiHarness({ idempotencyTtlMs: 1 });
    try {
      const key = randomUUID();
      const upload = newUploadKey();
      await short.storage.blobs.put(upload, await testImage('jpeg'));
      const body = { task_type: 'watermark', content: { image: upload, watermark: { text: 'x' } } };
      const first = await request(short.app).post('/v1/tasks').set('Idempotency-Key', key).send(body).expect(202);
      const second = await request(short.app).post('/v1/tasks').set('Idempotency-Key', key).send(body).expect(202);
      expect(second.body.id).not.toBe(first.body.id);
    } finally {
      await short.close();
    }
  });

  async function onlyRecordOf(taskType: string): Promise<string> {
    for (const record of await harness.allRecords()) {
      if (record.task_type === taskType) return record.id;
    }
    throw new Error(`no ${taskType} record`);
  }
});
