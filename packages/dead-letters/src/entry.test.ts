import type { DeadLetterEntry } from '@offload/broker';
import { describeDeadLetter, entryTaskId } from './entry';

const ID = '6f1c7b3e-1d2a-4c5b-9e8f-0a1b2c3d4e5f';
const envelope = {
  v: 1,
  id: ID,
  task_type: 'watermark',
  content: { image: `up_${'0'.repeat(32)}`, watermark: { text: 'x' } },
  created_at: '2026-03-01T09:00:00.000Z',
  retry_count: 2,
};

function entry(overrides: Partial<DeadLetterEntry>): DeadLetterEntry {
  return { body: Buffer.from(JSON.stringify(envelope)), messageId: ID, type: 'watermark', headers: {}, timestampMs: undefined, ack: () => false, ...overrides };
}

describe('describeDeadLetter', () => {
  it('reads the x-offload-* headers of a dead letter the worker wrote', () => {
    const row = describeDeadLetter(
      entry({
        headers: {
          'x-offload-reason': 'attempts_exhausted',
          'x-offload-error': 'handler_failed: boom',
          'x-offload-attempts': 3,
          'x-offload-task-type': 'watermark',
          'x-offload-source-queue': 'offload.task.watermark',
          'x-offload-dead-lettered-at': '2026-03-01T10:00:00.000Z',
        },
      }),
    );
    expect(row).toEqual({
      id: ID,
      task_type: 'watermark',
      reason: 'attempts_exhausted',
      error: 'handler_failed: boom',
      attempts: 3,
      dead_lettered_at: '2026-03-01T10:00:00.000Z',
      source_queue: 'offload.task.watermark',
      decodable: true,
    });
  });

  it('reads a dead letter the broker made after the delivery limit from x-death', () => {
    const row = describeDeadLetter(
      entry({
        headers: {
          'x-death': [{ reason: 'delivery_limit', queue: 'offload.task.watermark', count: 1, time: { '!': 'timestamp', value: 1_772_359_200 } }],
          'x-first-death-queue': 'offload.task.watermark',
        },
      }),
    );
    expect(row).toMatchObject({
      reason: 'worker_lost',
      attempts: 3,
      dead_lettered_at: '2026-03-01T10:00:00.000Z',
      source_queue: 'offload.task.watermark',
      decodable: true,
    });
  });

  it('falls back to the message timestamp and ids for a body that is not an envelope', () => {
    const row = describeDeadLetter(
      entry({ body: Buffer.from('not json'), messageId: ID.toUpperCase(), timestampMs: Date.parse('2026-03-01T10:00:00.000Z'), headers: { 'x-offload-reason': 'invalid_message' } }),
    );
    expect(row).toEqual({
      id: ID,
      task_type: 'watermark',
      reason: 'invalid_message',
      error: 'invalid_message',
      attempts: null,
      dead_lettered_at: '2026-03-01T10:00:00.000Z',
      source_queue: null,
      decodable: false,
    });
  });

  it('names the type and id of an invalid JSON body that carries them, as the worker dead-lettered it', () => {
    const row = describeDeadLetter(
      entry({
        body: Buffer.from(JSON.stringify({ task_type: 'watermark', id: ID })),
        messageId: 'unknown',
        type: 'unknown',
        headers: { 'x-offload-reason': 'invalid_message', 'x-offload-error': 'invalid message: ✖ Invalid input', 'x-offload-task-type': 'unknown', 'x-offload-attempts': 1 },
      }),
    );
    expect(row).toMatchObject({ id: ID, task_type: 'watermark', reason: 'invalid_message', attempts: 1, decodable: false });
  });

  it('shows null, not the value, for a type or id that is malformed', () => {
    const row = describeDeadLetter(entry({ body: Buffer.from('x'), messageId: 'id\u001b[2J', type: 'x'.repeat(200), headers: { 'x-offload-reason': 'invalid_message' } }));
    expect(row).toMatchObject({ id: null, task_type: null, decodable: false });
  });
});

describe('entryTaskId', () => {
  it('prefers the envelope id over the message id', () => {
    expect(entryTaskId(entry({ messageId: 'unknown' }))).toBe(ID);
    expect(entryTaskId(entry({ body: Buffer.from('{}'), messageId: undefined }))).toBeUndefined();
  });

  it('is the id an invalid body names when the properties name none, so `--id` can select it', () => {
    expect(entryTaskId(entry({ body: Buffer.from(JSON.stringify({ id: ID.toUpperCase() })), messageId: 'unknown' }))).toBe(ID);
  });
});
