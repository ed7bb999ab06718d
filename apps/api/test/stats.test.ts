import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { TASK_STATUSES, TASK_TYPES, type TaskStatus, type TaskType } from '@offload/contracts';
import { rawConnection, waitUntil } from '@offload/test-support';
import { createApiHarness, type ApiHarness } from './harness';
import { testImage } from './fixtures';

interface QueueStats {
  queue: string;
  ready: number | null;
  unacked: number | null;
}
interface StatsBody {
  tasks: Record<TaskType, Record<TaskStatus, number>>;
  queues: { source: string; work: Record<TaskType, QueueStats & { high: QueueStats }>; dead_letter: QueueStats & { depth: number | null } };
}

/** A local port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * Three analysis tasks, two watermarks and one thumbnail (no worker runs: they wait in their
 * queues), one failed record, one dead letter, and one analysis message held unacked as a busy
 * worker holds it.
 */
async function fill(harness: ApiHarness): Promise<{ release: () => Promise<void> }> {
  const submit = (body: object) => request(harness.app).post('/v1/tasks').send(body).expect(202);
  const upload = await request(harness.app).post('/v1/uploads').attach('file', await testImage('png'), 'a.png').expect(201);
  const image = (upload.body as { key: string }).key;
  for (let i = 0; i < 3; i++) await submit({ task_type: 'analysis', content: { rows: [{ a: i }] } });
  for (let i = 0; i < 2; i++) await submit({ task_type: 'watermark', content: { image, watermark: { text: 'x' } } });
  await submit({ task_type: 'thumbnail', content: { image, widths: [16] } });
  const now = new Date().toISOString();
  await harness.storage.records.create({ id: randomUUID(), task_type: 'thumbnail', status: 'failed', attempts: 1, created_at: now, updated_at: now, error: { code: 'corrupt_image', message: 'x' } });
  await harness.publisher.publish({ exchange: harness.topology.deadLetterExchange, routingKey: 'watermark', body: Buffer.from('{}'), messageId: randomUUID(), type: 'watermark' });
  const connection = await rawConnection();
  const channel = await connection.createChannel();
  expect(await channel.get(harness.topology.workQueues.analysis, { noAck: false })).not.toBe(false);
  return { release: () => connection.close() };
}

/** The ready count of a queue as the broker itself tells it (AMQP). */
async function readyNow(queue: string): Promise<number> {
  const connection = await rawConnection();
  try {
    return (await (await connection.createChannel()).checkQueue(queue)).messageCount;
  } finally {
    await connection.close();
  }
}

const stats = async (harness: ApiHarness): Promise<StatsBody> => (await request(harness.app).get('/v1/stats').expect(200).expect('content-type', /json/)).body as StatsBody;

describe('GET /v1/stats', () => {
  let harness: ApiHarness;
  let held: { release: () => Promise<void> };

  beforeAll(async () => {
    harness = await createApiHarness();
    held = await fill(harness);
  });

  afterAll(async () => {
    await held.release();
    await harness.close();
  });

  it('counts tasks per type and status, every registered type and status present', async () => {
    const { tasks } = await stats(harness);

    expect(Object.keys(tasks).sort()).toEqual([...TASK_TYPES].sort());
    for (const type of TASK_TYPES) expect(Object.keys(tasks[type]).sort()).toEqual([...TASK_STATUSES].sort());
    const nonZero = TASK_TYPES.flatMap((type) => TASK_STATUSES.filter((status) => tasks[type][status] > 0).map((status) => `${type}/${status}=${tasks[type][status]}`));
    expect(nonZero.sort()).toEqual(['analysis/queued=3', 'thumbnail/failed=1', 'thumbnail/queued=1', 'watermark/queued=2']);
  });

  it('reports ready and unacked messages per work queue and the dead-letter depth, from the management API', async () => {
    const { work, dead_letter } = (await stats(harness)).queues;
    expect(Object.keys(work).sort()).toEqual([...TASK_TYPES].sort());
    expect(work.watermark.queue).toBe(harness.topology.workQueues.watermark);
    expect(dead_letter.queue).toBe(harness.topology.deadLetterQueue);

    // The management API's numbers trail the queues by its statistics interval (5 s by default).
    const body = await waitUntil(
      async () => {
        const b = await stats(harness);
        const q = b.queues;
        return b.queues.source === 'management_api' && q.work.analysis.ready === 2 && q.work.analysis.unacked === 1 && q.work.watermark.ready === 2 && q.dead_letter.depth === 1 ? b : undefined;
      },
      { description: 'management API counts matching the queues' },
    );

    expect(body.queues.work).toEqual({
      watermark: { queue: harness.topology.workQueues.watermark, ready: 2, unacked: 0, high: { queue: harness.topology.highWorkQueues.watermark, ready: 0, unacked: 0 } },
      thumbnail: { queue: harness.topology.workQueues.thumbnail, ready: 1, unacked: 0, high: { queue: harness.topology.highWorkQueues.thumbnail, ready: 0, unacked: 0 } },
      analysis: { queue: harness.topology.workQueues.analysis, ready: 2, unacked: 1, high: { queue: harness.topology.highWorkQueues.analysis, ready: 0, unacked: 0 } },
    });
    expect(body.queues.dead_letter).toEqual({ queue: harness.topology.deadLetterQueue, ready: 1, unacked: 0, depth: 1 });
    for (const type of TASK_TYPES) expect([type, body.queues.work[type].ready]).toEqual([type, await readyNow(harness.topology.workQueues[type])]);
  });
});

describe('GET /v1/stats when the management API does not answer', () => {
  let harness: ApiHarness;
  let held: { release: () => Promise<void> };
  const lines: string[] = [];

  beforeAll(async () => {
    harness = await createApiHarness({ managementUrl: `http://guest:topsecret@127.0.0.1:${await closedPort()}`, logLines: lines });
    held = await fill(harness);
  });

  afterAll(async () => {
    await held.release();
    await harness.close();
  });

  it('counts ready messages over AMQP, reports unacked as unknown and says where the numbers came from', async () => {
    const body = await stats(harness);

    expect(body.queues).toEqual({
      source: 'amqp',
      work: {
        watermark: { queue: harness.topology.workQueues.watermark, ready: 2, unacked: null, high: { queue: harness.topology.highWorkQueues.watermark, ready: 0, unacked: null } },
        thumbnail: { queue: harness.topology.workQueues.thumbnail, ready: 1, unacked: null, high: { queue: harness.topology.highWorkQueues.thumbnail, ready: 0, unacked: null } },
        analysis: { queue: harness.topology.workQueues.analysis, ready: 2, unacked: null, high: { queue: harness.topology.highWorkQueues.analysis, ready: 0, unacked: null } },
      },
      dead_letter: { queue: harness.topology.deadLetterQueue, ready: 1, unacked: null, depth: 1 },
    });
    expect(body.tasks.analysis.queued).toBe(3);
  });

  it('never shows or logs the management credentials', async () => {
    const res = await request(harness.app).get('/v1/stats').expect(200);

    expect(JSON.stringify(res.body)).not.toContain('topsecret');
    expect(lines.some((l) => l.includes('management API did not answer'))).toBe(true);
    expect(lines.join('\n')).not.toContain('topsecret');
  });
});
