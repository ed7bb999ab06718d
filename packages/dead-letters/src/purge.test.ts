import type { DeadLetterEntry, DeadLetterQueueReader } from '@offload/broker';
import { purgeCompleted, purgeDeadLetters } from './purge';

const A = '6f1c7b3e-1d2a-4c5b-9e8f-0a1b2c3d4e5f';
const B = 'a0a1a2a3-b4b5-4c6c-8d7d-e8e9eaebeced';
const MISSING = '0e2d7f4c-5b6a-4f3e-9d8c-7b6a5f4e3d2c';

/**
 * A reader over a fixed list of messages (the broker itself is in test/dlq-purge.test.ts): it
 * records acks, and can be told its channel is closed, before or after the acks.
 */
function fakeReader(messages: { id?: string; body?: string; type?: string }[], channel: { closedBeforeAcks?: boolean; closedAfterAcks?: boolean } = {}) {
  const acked: number[] = [];
  let closes = 0;
  const entries = messages.map(
    (m, i): DeadLetterEntry => ({
      body: Buffer.from(m.body ?? 'not json'),
      messageId: m.id,
      type: m.type ?? 'watermark',
      headers: { 'x-offload-reason': 'corrupt_image' },
      timestampMs: undefined,
      ack: () => {
        if (channel.closedBeforeAcks === true) return false;
        acked.push(i);
        return true;
      },
    }),
  );
  const reader: DeadLetterQueueReader = {
    queue: 'offload.dead-letter',
    readAll: () => Promise.resolve(entries),
    read: (max) => Promise.resolve({ entries: entries.slice(0, max), truncated: entries.length > max }),
    close: () => {
      closes += 1;
      return Promise.resolve(channel.closedAfterAcks !== true || acked.length === 0);
    },
  };
  return { reader, acked, closes: () => closes };
}

describe('purgeDeadLetters', () => {
  it('acks every entry of the selected tasks, duplicates included, and closes the reader', async () => {
    const fake = fakeReader([{ id: A }, { id: B }, { id: A }, { id: undefined }]);
    const { outcomes } = await purgeDeadLetters({ reader: fake.reader }, { kind: 'ids', ids: [A] });
    expect(outcomes).toEqual([
      { kind: 'purged', id: A, task_type: 'watermark', reason: 'corrupt_image' },
      { kind: 'purged', id: A, task_type: 'watermark', reason: 'corrupt_image' },
    ]);
    expect(fake.acked).toEqual([0, 2]);
    expect(fake.closes()).toBe(1);
    expect(purgeCompleted(outcomes)).toBe(true);
  });

  it('acks every entry with --all, those that name no task too', async () => {
    const fake = fakeReader([{ id: A }, { id: undefined, type: 'unknown' }]);
    const { outcomes } = await purgeDeadLetters({ reader: fake.reader }, { kind: 'all' });
    expect(outcomes).toEqual([
      { kind: 'purged', id: A, task_type: 'watermark', reason: 'corrupt_image' },
      { kind: 'purged', id: null, task_type: null, reason: 'corrupt_image' },
    ]);
    expect(fake.acked).toEqual([0, 1]);
  });

  it('selects an invalid message by the id its body names', async () => {
    const fake = fakeReader([{ id: 'unknown', body: JSON.stringify({ task_type: 'watermark', id: B }) }]);
    const { outcomes } = await purgeDeadLetters({ reader: fake.reader }, { kind: 'ids', ids: [B] });
    expect(outcomes).toEqual([{ kind: 'purged', id: B, task_type: 'watermark', reason: 'corrupt_image' }]);
  });

  it('reports an id that is in no entry, acks nothing for it, and is not complete', async () => {
    const fake = fakeReader([{ id: A }]);
    const { outcomes } = await purgeDeadLetters({ reader: fake.reader }, { kind: 'ids', ids: [MISSING, A] });
    expect(outcomes).toEqual([
      { kind: 'purged', id: A, task_type: 'watermark', reason: 'corrupt_image' },
      { kind: 'not_found', id: MISSING },
    ]);
    expect(fake.acked).toEqual([0]);
    expect(purgeCompleted(outcomes)).toBe(false);
  });

  it('reports entries as left when the channel closed before their ack', async () => {
    const fake = fakeReader([{ id: A }], { closedBeforeAcks: true });
    const { outcomes } = await purgeDeadLetters({ reader: fake.reader }, { kind: 'all' });
    expect(outcomes).toEqual([{ kind: 'left', id: A, task_type: 'watermark', reason: 'corrupt_image' }]);
    expect(purgeCompleted(outcomes)).toBe(false);
  });

  it('reports acked entries as unconfirmed when the close does not vouch for the acks', async () => {
    const fake = fakeReader([{ id: A }, { id: B }], { closedAfterAcks: true });
    const { outcomes } = await purgeDeadLetters({ reader: fake.reader }, { kind: 'ids', ids: [B] });
    expect(outcomes).toEqual([{ kind: 'unconfirmed', id: B, task_type: 'watermark', reason: 'corrupt_image' }]);
    expect(purgeCompleted(outcomes)).toBe(false);
  });

  it('purges nothing from an empty queue and is complete', async () => {
    const { outcomes } = await purgeDeadLetters({ reader: fakeReader([]).reader }, { kind: 'all' });
    expect(outcomes).toEqual([]);
    expect(purgeCompleted(outcomes)).toBe(true);
  });
});

describe('purgeDeadLetters with a filter or a maximum', () => {
  it('acks only the entries whose task type a filter names', async () => {
    const fake = fakeReader([{ id: A, type: 'analysis' }, { id: B }]);
    const report = await purgeDeadLetters({ reader: fake.reader }, { kind: 'filter', task_type: 'watermark' });
    expect(report).toEqual({ outcomes: [{ kind: 'purged', id: B, task_type: 'watermark', reason: 'corrupt_image' }], truncated: false });
    expect(fake.acked).toEqual([1]);
  });

  it('looks at the first maxEntries entries only, and says so', async () => {
    const fake = fakeReader([{ id: A }, { id: B }]);
    const report = await purgeDeadLetters({ reader: fake.reader }, { kind: 'ids', ids: [B] }, { maxEntries: 1 });
    expect(report).toEqual({ outcomes: [{ kind: 'not_found', id: B }], truncated: true });
    expect(fake.acked).toEqual([]);
  });
});
