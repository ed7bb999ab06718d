import { afterEach, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { setTimeout as sleep } from 'node:timers/promises';
import { decodeTaskPayload } from '@offload/contracts';
import { RecordStoreUnavailableError, type IdempotencyStore, type RecordStore } from '@offload/storage';
import { rawConnection } from '@offload/test-support';
import { createApiHarness, unbindTaskType, type ApiHarness } from './harness';
import { expectProblem } from './fixtures';

// POST /v1/tasks writes the record and publishes at the same time; these pin down what happens
// when one of the two finishes badly or late.
describe('POST /v1/tasks, the record write overlapping the publish', () => {
  let harness: ApiHarness | undefined;

  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  const analysisTask = { task_type: 'analysis', content: { rows: [{ a: 1 }] } };

  it('answers 202 when the broker confirmed but the record write failed: the task is in the queue', async () => {
    harness = await createApiHarness({
      wrapRecords: (records): RecordStore => ({ ...records, create: () => Promise.reject(new Error('disk full')) }),
    });

    const res = await request(harness.app).post('/v1/tasks').send(analysisTask).expect(202);

    const connection = await rawConnection();
    try {
      const channel = await connection.createChannel();
      const message = await channel.get(harness.topology.workQueues.analysis, { noAck: true });
      expect(message).not.toBe(false);
      if (message === false) return;
      expect(decodeTaskPayload(message.content)).toMatchObject({ ok: true, payload: { id: res.body.id } });
      await channel.close();
    } finally {
      await connection.close();
    }
  });

  it('marks not_accepted a record whose write finished only after the publish was refused', async () => {
    harness = await createApiHarness({
      wrapRecords: (records): RecordStore => ({
        ...records,
        create: async (record) => {
          await sleep(300);
          return records.create(record);
        },
      }),
    });
    // No queue takes analysis tasks: the mandatory publish comes back at once, before the write.
    await unbindTaskType(harness.topology, 'analysis');

    const res = await request(harness.app).post('/v1/tasks').send(analysisTask);

    expectProblem(res, 503, 'broker_unavailable');
    const all = await harness.allRecords();
    expect(all).toHaveLength(1);
    const record = await harness.storage.records.get(String(all[0]?.id));
    expect(record).toMatchObject({ task_type: 'analysis', status: 'failed', error: { code: 'not_accepted' } });
  });

  it('answers 202 when the broker confirmed but the Idempotency-Key could not be stored after: the task runs', async () => {
    const lines: string[] = [];
    harness = await createApiHarness({
      logLines: lines,
      // The database goes away between the confirm and storing the key's entry.
      wrapIdempotency: (idempotency): IdempotencyStore => ({
        ...idempotency,
        exclusive: async (key, fn) => {
          await fn(undefined);
          throw new RecordStoreUnavailableError(new Error('Connection terminated unexpectedly'));
        },
      }),
    });

    const res = await request(harness.app).post('/v1/tasks').set('Idempotency-Key', 'k-1').send(analysisTask).expect(202);

    expect(await harness.storage.records.get(String(res.body.id))).toMatchObject({ status: 'queued' });
    const warning = lines.map((line) => JSON.parse(line) as { msg: string; task_id?: string }).find((l) => l.msg.startsWith('task accepted, but its Idempotency-Key'));
    expect(warning?.task_id).toBe(res.body.id);
  });
});
