import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Delivery } from '@offload/broker';
import { openStorage, type Storage } from '@offload/storage';
import { createLogger } from '@offload/telemetry';
import { createDeadLetterRecorder } from './dead-letter-recorder';
import { createTaskRecordKeeper } from './task-record-keeper';

/** A dead-letter event as the recorder receives it; only the fields it reads matter. */
function event(id: string, headers: Record<string, unknown>): Delivery & { settled: () => string | undefined } {
  let settled: string | undefined;
  return {
    queue: 'events',
    body: Buffer.from('{}'),
    messageId: id,
    type: 'watermark',
    headers,
    deliveryCount: 0,
    redelivered: false,
    ack: () => ((settled = 'ack'), true),
    nack: (requeue) => ((settled = requeue ? 'requeue' : 'drop'), true),
    isLive: () => true,
    settled: () => settled,
  };
}

describe('createDeadLetterRecorder', () => {
  let dir: string;
  let storage: Storage;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'offload-recorder-'));
    storage = await openStorage({ dataDir: dir });
  });
  afterEach(async () => {
    await storage.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function queuedRecord(updatedAt: Date): Promise<string> {
    const id = randomUUID();
    await storage.records.create({ id, task_type: 'watermark', status: 'queued', attempts: 0, created_at: updatedAt.toISOString(), updated_at: updatedAt.toISOString() });
    return id;
  }

  it('marks the record failed with the reason the dead letter carries', async () => {
    const id = await queuedRecord(new Date(Date.now() - 60_000));
    const delivery = event(id, { 'x-offload-reason': 'corrupt_image', 'x-offload-error': 'truncated', 'x-offload-dead-lettered-at': new Date().toISOString() });
    await createDeadLetterRecorder(createTaskRecordKeeper({ records: storage.records, maxLostRuns: 5 }), createLogger({ name: 't', level: 'silent' }))(delivery);
    expect((await storage.records.get(id))?.error).toEqual({ code: 'corrupt_image', message: 'truncated' });
    expect(delivery.settled()).toBe('ack');
  });

  it('ignores an event older than a re-drive that queued the task again', async () => {
    const id = await queuedRecord(new Date());
    const delivery = event(id, { 'x-offload-reason': 'corrupt_image', 'x-offload-error': 'x', 'x-offload-dead-lettered-at': new Date(Date.now() - 60_000).toISOString() });
    await createDeadLetterRecorder(createTaskRecordKeeper({ records: storage.records, maxLostRuns: 5 }), createLogger({ name: 't', level: 'silent' }))(delivery);
    expect((await storage.records.get(id))?.status).toBe('queued');
    expect(delivery.settled()).toBe('ack');
  });
});
