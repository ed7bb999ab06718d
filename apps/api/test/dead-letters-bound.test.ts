import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { DEAD_LETTER_HEADERS } from '@offload/dead-letters';
import { rawConnection } from '@offload/test-support';
import { createApiHarness, type ApiHarness } from './harness';

/** One more than a call reads (DEAD_LETTERS_READ_MAX). */
const MORE_THAN_A_CALL_READS = 10_001;

describe('dead-letter routes on a queue longer than one call reads', () => {
  let h: ApiHarness;

  const depth = async (): Promise<number> => {
    const connection = await rawConnection();
    try {
      const channel = await connection.createChannel();
      const { messageCount } = await channel.checkQueue(h.topology.deadLetterQueue);
      await channel.close();
      return messageCount;
    } finally {
      await connection.close();
    }
  };

  beforeAll(async () => {
    h = await createApiHarness();
    const connection = await rawConnection();
    try {
      // Straight into the queue (not through the exchange): the events queue needs no copies.
      const channel = await connection.createConfirmChannel();
      for (let i = 0; i < MORE_THAN_A_CALL_READS; i += 1) {
        const id = randomUUID();
        channel.sendToQueue(h.topology.deadLetterQueue, Buffer.from('not json'), { messageId: id, type: i % 2 === 0 ? 'watermark' : 'thumbnail', headers: { [DEAD_LETTER_HEADERS.reason]: 'invalid_message' } });
      }
      await channel.waitForConfirms();
      await channel.close();
    } finally {
      await connection.close();
    }
  }, 120_000);

  afterAll(async () => {
    await h.close();
  });

  it('lists the first 10,000, says truncated, and puts every one back', async () => {
    const res = await request(h.app).get('/v1/dead-letters?limit=3&task_type=watermark');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ total: 5_000, truncated: true });
    expect((res.body as { dead_letters: unknown[] }).dead_letters).toHaveLength(3);
    expect(await depth()).toBe(MORE_THAN_A_CALL_READS);
  }, 120_000);

  it('purges at most 10,000 in one call and says truncated; the next call takes the rest', async () => {
    const first = await request(h.app).post('/v1/dead-letters/purge').send({ all: true, confirm: true });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ purged: 10_000, completed: true, truncated: true });
    expect(await depth()).toBe(1);
    const second = await request(h.app).post('/v1/dead-letters/purge').send({ all: true, confirm: true });
    expect(second.body).toMatchObject({ purged: 1, truncated: false });
    expect(await depth()).toBe(0);
  }, 120_000);
});
