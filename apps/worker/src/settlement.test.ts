import { randomUUID } from 'node:crypto';
import { buildTopology, decodeTaskPayload, delayRoutingKey, type TaskPayload } from '@offload/contracts';
import type { Delivery, Publisher, PublishMessage } from '@offload/broker';
import { openStorage, type RecordStore, type Storage } from '@offload/storage';
import { createLogger, createMetrics, type Metrics } from '@offload/telemetry';
import { tempDataDir } from '@offload/test-support';
import { PermanentTaskError, TransientTaskError } from './errors';
import { createSettlement, type DeliveredTask, type Settlement } from './settlement';
import { createTaskRecordKeeper } from './task-record-keeper';

// Narrow unit tests of the settlement of each outcome. The delivery and the publisher are fakes
// that write what happens to them into one list, beside each move the record store applied (a
// real store in a temp DATA_DIR), so the order of record, broker and ack can be read off it.

const topology = buildTopology('settlement-test');
const logger = createLogger({ name: 'settlement-test', level: 'silent' });
const TRACEPARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

interface Recorder {
  events: string[];
  published: PublishMessage[];
}

function fakeDelivery(recorder: Recorder, body: Buffer, messageId: string | undefined): Delivery {
  return {
    queue: topology.workQueues.watermark,
    body,
    messageId,
    type: 'watermark',
    headers: { traceparent: TRACEPARENT },
    deliveryCount: 0,
    redelivered: false,
    ack: () => (recorder.events.push('ack'), true),
    nack: (requeue) => (recorder.events.push(requeue ? 'nack requeue' : 'nack drop'), true),
    isLive: () => true,
  };
}

function fakePublisher(recorder: Recorder, refuse: () => boolean): Publisher {
  return {
    async publish(message) {
      if (refuse()) throw new Error('no confirm');
      recorder.events.push(`publish ${message.exchange}`);
      recorder.published.push(message);
    },
    isReady: () => true,
    waitForReady: async () => undefined,
    close: async () => undefined,
  };
}

/** The store, with each applied move written into the list. */
function loggingRecords(records: RecordStore, recorder: Recorder): RecordStore {
  return {
    ...records,
    async update(id, update) {
      const outcome = await records.update(id, update);
      if (outcome.applied) recorder.events.push(`record ${outcome.record.status}`);
      return outcome;
    },
  };
}

describe('createSettlement', () => {
  let dir: Awaited<ReturnType<typeof tempDataDir>>;
  let storage: Storage;
  let recorder: Recorder;
  let refusePublish: boolean;
  let settlement: Settlement;
  let id: string;
  let body: Buffer;
  let delivery: Delivery;
  let task: DeliveredTask;
  let metrics: Metrics;

  beforeEach(async () => {
    metrics = createMetrics('worker');
    dir = await tempDataDir('offload-settlement');
    storage = await openStorage({ dataDir: dir.path });
    recorder = { events: [], published: [] };
    refusePublish = false;
    const records = loggingRecords(storage.records, recorder);
    const keeper = createTaskRecordKeeper({ records, maxLostRuns: 5 });
    settlement = createSettlement({
      publisher: fakePublisher(recorder, () => refusePublish),
      topology,
      keeper,
      logger,
      metrics,
      limits: () => ({ maxAttempts: 3, baseDelayMs: 1_000, maxDelayMs: 10_000 }),
      random: () => 0,
    });
    id = randomUUID();
    const envelope = { v: 1, id, task_type: 'watermark', content: { image: `up_${'0'.repeat(32)}`, watermark: { text: 'x' } }, created_at: new Date().toISOString(), retry_count: 0 };
    body = Buffer.from(JSON.stringify(envelope));
    const decoded = decodeTaskPayload(body);
    if (!decoded.ok) throw new Error(decoded.message);
    // The task is running: created and started, as the runner leaves it before an outcome.
    await keeper.start(decoded.payload);
    recorder.events.length = 0;
    delivery = fakeDelivery(recorder, body, id);
    task = { payload: decoded.payload, attempt: 1, log: logger };
  });
  afterEach(async () => {
    await storage.close();
    await dir.remove();
  });

  const record = () => storage.records.get(id);

  it('acks a succeeded task and moves nothing else', async () => {
    await settlement.settle(delivery, task, { kind: 'succeeded', result: { output_key: 'out.png', content_type: 'image/png' } });
    expect(recorder.events).toEqual(['ack']);
  });

  it('acks a skipped message without running or recording anything', async () => {
    await settlement.settle(delivery, task, { kind: 'skipped', reason: 'record is succeeded' });
    expect(recorder.events).toEqual(['ack']);
    expect((await record())?.status).toBe('processing');
  });

  it('queues the record, then republishes the message as it came, then acks, when a task is released', async () => {
    await settlement.settle(delivery, task, { kind: 'released' });
    expect(recorder.events).toEqual(['record queued', `publish ${topology.taskExchange}`, 'ack']);
    expect(recorder.published[0]).toMatchObject({ routingKey: 'watermark', messageId: id, body, headers: { traceparent: TRACEPARENT } });
  });

  it('leaves a released message to the broker (nack, requeue) when its copy is not confirmed', async () => {
    refusePublish = true;
    await settlement.settle(delivery, task, { kind: 'released' });
    expect(recorder.events).toEqual(['record queued', 'nack requeue']);
  });

  it('records retrying, then publishes a delayed copy with retry_count + 1, then acks, on a retryable failure', async () => {
    await settlement.settle(delivery, task, { kind: 'failed', error: new TransientTaskError('handler_failed', 'try later') });
    expect(recorder.events).toEqual(['record retrying', `publish ${topology.delayEntryExchange}`, 'ack']);
    const copy = recorder.published[0];
    expect(copy).toMatchObject({ routingKey: delayRoutingKey(500, 'watermark'), messageId: id, headers: { traceparent: TRACEPARENT } });
    const next = copy === undefined ? undefined : (JSON.parse(copy.body.toString('utf8')) as TaskPayload);
    expect(next?.retry_count).toBe(1);
    expect(await record()).toMatchObject({ status: 'retrying', error: { code: 'handler_failed', message: 'try later' } });
    expect((await record())?.next_attempt_at).toBeDefined();
  });

  it('publishes a dead letter, then records failed, then acks, on a permanent failure', async () => {
    await settlement.settle(delivery, task, { kind: 'failed', error: new PermanentTaskError('corrupt_image', 'the image is truncated') });
    expect(recorder.events).toEqual([`publish ${topology.deadLetterExchange}`, 'record failed', 'ack']);
    expect(recorder.published[0]?.headers).toMatchObject({ 'x-offload-reason': 'corrupt_image', 'x-offload-error': 'the image is truncated', 'x-offload-attempts': 1 });
    expect((await record())?.error).toEqual({ code: 'corrupt_image', message: 'the image is truncated' });
  });

  it('dead-letters a retryable failure as attempts_exhausted on the last attempt', async () => {
    await settlement.settle(delivery, { ...task, attempt: 3 }, { kind: 'failed', error: new TransientTaskError('handler_failed', 'still down') });
    expect(recorder.events).toEqual([`publish ${topology.deadLetterExchange}`, 'record failed', 'ack']);
    expect((await record())?.error?.code).toBe('attempts_exhausted');
  });

  it('dead-letters a task that keeps killing its worker as worker_lost', async () => {
    await settlement.settle(delivery, task, { kind: 'worker_lost', lostRuns: 5 });
    expect(recorder.events).toEqual([`publish ${topology.deadLetterExchange}`, 'record failed', 'ack']);
    expect(await record()).toMatchObject({ status: 'failed', error: { code: 'worker_lost', message: '5 runs ended without a result: the task keeps killing its worker' } });
  });

  it('dead-letters an invalid message and fails the record its id names', async () => {
    await settlement.rejectInvalid(delivery, 'content.image: Invalid input');
    expect(recorder.events).toEqual([`publish ${topology.deadLetterExchange}`, 'record failed', 'ack']);
    expect((await record())?.error).toEqual({ code: 'invalid_message', message: 'invalid message: content.image: Invalid input' });
  });

  it('dead-letters an invalid message whose id is no task id without touching any record', async () => {
    await settlement.rejectInvalid(fakeDelivery(recorder, Buffer.from('nonsense'), 'not-a-uuid'), 'body is not UTF-8 JSON');
    expect(recorder.events).toEqual([`publish ${topology.deadLetterExchange}`, 'ack']);
  });

  it('dead-letters a message whose signature does not verify as invalid_signature, keeping its signature, and fails the record its id names', async () => {
    const forged = { ...delivery, headers: { ...delivery.headers, 'offload-signature': 'v1=000000000000:forged' } };
    await settlement.rejectUnsigned(forged, { reason: 'unknown_key', keyId: '000000000000' });
    expect(recorder.events).toEqual([`publish ${topology.deadLetterExchange}`, 'record failed', 'ack']);
    expect(recorder.published[0]).toMatchObject({ sign: false, headers: { 'offload-signature': 'v1=000000000000:forged', 'x-offload-reason': 'invalid_signature' } });
    expect(recorder.published[0]?.headers?.['x-offload-error-detail']).toMatch(/^invalid signature: signed with a key not held here \(key id 000000000000\)/);
    expect(await record()).toMatchObject({ status: 'failed', error: { code: 'invalid_signature', message: 'the message is unsigned or its signature does not match: it was not run' } });
  });

  it('republishes and acks a message that never started, on shutdown, with the signature it came with and none added', async () => {
    const signed = { ...delivery, headers: { ...delivery.headers, 'offload-signature': 'v1=000000000000:as-it-came' } };
    await settlement.releaseUnstarted(signed);
    expect(recorder.events).toEqual([`publish ${topology.taskExchange}`, 'ack']);
    expect(recorder.published[0]).toMatchObject({ sign: false, headers: { traceparent: TRACEPARENT, 'offload-signature': 'v1=000000000000:as-it-came' } });
    expect((await record())?.status).toBe('processing');
  });

  it('has a released task (its message verified before it ran) and a retry copy signed anew', async () => {
    const signed = { ...delivery, headers: { ...delivery.headers, 'offload-signature': 'v1=000000000000:old' } };
    await settlement.settle(signed, task, { kind: 'released' });
    await settlement.settle(signed, task, { kind: 'failed', error: new TransientTaskError('handler_failed', 'try later') });
    for (const copy of recorder.published) {
      expect(copy.sign).not.toBe(false);
      expect(copy.headers).toEqual({ traceparent: TRACEPARENT });
    }
  });

  it('rejects without settling the delivery when the broker does not confirm a retry', async () => {
    refusePublish = true;
    await expect(settlement.settle(delivery, task, { kind: 'failed', error: new TransientTaskError('handler_failed', 'x') })).rejects.toThrow('no confirm');
    expect(recorder.events).toEqual(['record retrying']);
  });

  it('holds a delivery it could not settle, then requeues it (nack) once the hold ends', async () => {
    const release = new AbortController();
    const requeued = settlement.requeueAfterFailure(delivery, new Error('record store unreachable'), release.signal, false);
    await new Promise((resolve) => setImmediate(resolve));
    expect(recorder.events).toEqual([]);
    release.abort();
    await requeued;
    expect(recorder.events).toEqual(['nack requeue']);
  });

  it('requeues a delivery it could not settle at once when the worker is draining', async () => {
    await settlement.requeueAfterFailure(delivery, new Error('record store unreachable'), new AbortController().signal, true);
    expect(recorder.events).toEqual(['nack requeue']);
  });

  it('counts each failure by task type, code and outcome, and a dead letter of an unknown type as unknown', async () => {
    await settlement.settle(delivery, task, { kind: 'failed', error: new TransientTaskError('handler_failed', 'try later') });
    await settlement.settle(delivery, task, { kind: 'failed', error: new PermanentTaskError('corrupt_image', 'truncated') });
    await settlement.settle(delivery, task, { kind: 'worker_lost', lostRuns: 5 });
    await settlement.rejectInvalid({ ...fakeDelivery(recorder, Buffer.from('x'), 'not-a-uuid'), type: 'no-such-type' }, 'body is not JSON');
    const text = await metrics.registry.metrics();
    const series = (labels: string) => new RegExp(`^offload_task_failures_total\\{${labels},role="worker"\\} 1$`, 'm');
    expect(text).toMatch(series('task_type="watermark",code="handler_failed",outcome="retried"'));
    expect(text).toMatch(series('task_type="watermark",code="corrupt_image",outcome="dead_lettered"'));
    expect(text).toMatch(series('task_type="watermark",code="worker_lost",outcome="dead_lettered"'));
    expect(text).toMatch(series('task_type="unknown",code="invalid_message",outcome="dead_lettered"'));
    expect(text).toContain('offload_tasks_processed_total{task_type="watermark",outcome="dead_lettered",role="worker"} 2');
    expect(text).not.toContain('no-such-type');
  });
});
