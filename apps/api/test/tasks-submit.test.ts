import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { createApiHarness, type ApiHarness } from './harness';
import { UPLOAD_KEY, UUID, messageBody, openQueueReader, testImage, type QueueReader } from './fixtures';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT_ID = '00f067aa0ba902b7';

describe('POST /v1/tasks', () => {
  let harness: ApiHarness;
  let queues: QueueReader;
  let imageKey: string;

  beforeAll(async () => {
    harness = await createApiHarness();
    queues = await openQueueReader();
    const upload = await request(harness.app).post('/v1/uploads').attach('file', await testImage('jpeg'), 'photo.jpg').expect(201);
    imageKey = (upload.body as { key: string }).key;
    expect(imageKey).toMatch(UPLOAD_KEY);
  });

  afterAll(async () => {
    await queues.close();
    await harness.close();
  });

  const watermarkTask = () => ({ task_type: 'watermark', content: { image: imageKey, watermark: { text: 'hello' } } });

  it('answers 202 with the task id and links when a task references an upload', async () => {
    const res = await request(harness.app).post('/v1/tasks').send(watermarkTask()).expect(202);
    const id = (res.body as { id: string }).id;
    expect(id).toMatch(UUID);
    expect(res.body).toStrictEqual({
      id,
      task_type: 'watermark',
      status: 'queued',
      links: { self: `/v1/tasks/${id}`, result: `/v1/tasks/${id}/result` },
    });
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers.location).toBe(`/v1/tasks/${id}`);
  });

  it('stores a queued record before it answers', async () => {
    const res = await request(harness.app).post('/v1/tasks').send(watermarkTask()).expect(202);
    const id = (res.body as { id: string }).id;
    const record = await harness.storage.records.get(id);
    expect(record).toEqual(
      expect.objectContaining({ id, task_type: 'watermark', status: 'queued', attempts: 0, created_at: expect.any(String) }),
    );
    expect(record?.error).toBeUndefined();
    expect(record?.started_at).toBeUndefined();
  });

  it('publishes the TaskPayload envelope with its properties to the watermark queue', async () => {
    const res = await request(harness.app).post('/v1/tasks').send(watermarkTask()).expect(202);
    const id = (res.body as { id: string }).id;
    const message = await queues.take(harness.topology.workQueues.watermark, id);
    const record = await harness.storage.records.get(id);

    expect(messageBody(message)).toStrictEqual({
      v: 1,
      id,
      task_type: 'watermark',
      content: {
        image: imageKey,
        watermark: { text: 'hello', position: 'bottom-right', tile: false, opacity: 0.5, size: 0.25, margin: 0.02 },
      },
      created_at: record?.created_at,
      retry_count: 0,
      tenant: 'default',
    });
    expect(message.properties).toEqual(
      expect.objectContaining({
        messageId: id,
        type: 'watermark',
        contentType: 'application/json',
        deliveryMode: 2,
        timestamp: expect.any(Number),
      }),
    );
    expect(message.fields.exchange).toBe(harness.topology.taskExchange);
    expect(message.fields.routingKey).toBe('watermark');
  });

  it('passes a child of the incoming traceparent on the message when the request has one', async () => {
    const res = await request(harness.app)
      .post('/v1/tasks')
      .set('traceparent', `00-${TRACE_ID}-${PARENT_ID}-01`)
      .send(watermarkTask())
      .expect(202);
    const message = await queues.take(harness.topology.workQueues.watermark, (res.body as { id: string }).id);
    const traceparent: unknown = message.properties.headers?.traceparent;
    expect(traceparent).toMatch(new RegExp(`^00-${TRACE_ID}-[0-9a-f]{16}-01$`));
    expect(traceparent).not.toContain(PARENT_ID);
  });

  it('sends no traceparent header when the request has none or an invalid one', async () => {
    const plain = await request(harness.app).post('/v1/tasks').send(watermarkTask()).expect(202);
    const invalid = await request(harness.app).post('/v1/tasks').set('traceparent', 'not-a-trace').send(watermarkTask()).expect(202);
    for (const res of [plain, invalid]) {
      const message = await queues.take(harness.topology.workQueues.watermark, (res.body as { id: string }).id);
      expect(message.properties.headers?.traceparent).toBeUndefined();
    }
  });

  it('accepts a watermark text that looks like markup, to be drawn literally', async () => {
    const text = '<span font="200">A</span>';
    const res = await request(harness.app)
      .post('/v1/tasks')
      .send({ task_type: 'watermark', content: { image: imageKey, watermark: { text } } })
      .expect(202);
    const message = await queues.take(harness.topology.workQueues.watermark, (res.body as { id: string }).id);
    expect(messageBody(message)).toEqual(expect.objectContaining({ content: expect.objectContaining({ watermark: expect.objectContaining({ text }) }) }));
  });

  it('accepts a watermark text of exactly 200 characters', async () => {
    await request(harness.app)
      .post('/v1/tasks')
      .send({ task_type: 'watermark', content: { image: imageKey, watermark: { text: 'x'.repeat(200) } } })
      .expect(202);
  });

  it('accepts an application/*+json content type', async () => {
    await request(harness.app)
      .post('/v1/tasks')
      .set('Content-Type', 'application/vnd.offload+json')
      .send(JSON.stringify(watermarkTask()))
      .expect(202);
  });

  it('routes an analysis task with inline rows to the analysis queue only', async () => {
    const rows = [
      { city: 'Oslo', temp: 4.5 },
      { city: 'Lima', temp: 19 },
    ];
    const res = await request(harness.app)
      .post('/v1/tasks')
      .send({ task_type: 'analysis', content: { rows, group_by: 'city' } })
      .expect(202);
    const id = (res.body as { id: string }).id;
    expect(res.body).toStrictEqual({
      id,
      task_type: 'analysis',
      status: 'queued',
      links: { self: `/v1/tasks/${id}`, result: `/v1/tasks/${id}/result` },
    });

    const message = await queues.take(harness.topology.workQueues.analysis, id);
    expect(message.properties.type).toBe('analysis');
    expect(messageBody(message)).toEqual(
      expect.objectContaining({ v: 1, id, task_type: 'analysis', retry_count: 0, content: { rows, group_by: 'city', histogram_bins: 10 } }),
    );
    const onWatermark = await queues.drain(harness.topology.workQueues.watermark);
    expect(onWatermark.map((m) => m.properties.messageId)).not.toContain(id);
    expect((await harness.storage.records.get(id))?.status).toBe('queued');
  });
});
