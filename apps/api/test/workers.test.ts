import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import type { WorkerView } from '@offload/contracts';
import type { WorkerHeartbeat } from '@offload/storage';
import { waitUntil } from '@offload/test-support';
import { createApiHarness, type ApiHarness } from './harness';

/** A heartbeat as a worker writes it (the row GET /v1/workers reads). */
function heartbeat(overrides: Partial<WorkerHeartbeat> = {}): WorkerHeartbeat {
  const now = Date.now();
  return {
    id: randomUUID(),
    host: 'worker-host-1',
    pid: 4321,
    version: '0.1.0',
    taskTypes: ['watermark', 'thumbnail'],
    concurrency: 4,
    runningTaskIds: [randomUUID()],
    startedMs: now - 60_000,
    beatMs: now,
    beatIntervalMs: 5_000,
    ...overrides,
  };
}

describe('GET /v1/workers', () => {
  let harness: ApiHarness;

  beforeAll(async () => {
    harness = await createApiHarness();
  });

  afterAll(async () => {
    await harness.close();
  });

  const workers = async (): Promise<WorkerView[]> => ((await request(harness.app).get('/v1/workers').expect(200).expect('content-type', /json/)).body as { workers: WorkerView[] }).workers;
  const find = async (id: string) => (await workers()).find((w) => w.id === id);

  it('lists no worker when none beat', async () => {
    expect(await workers()).toEqual([]);
  });

  it('lists a worker that beats as live, with what it runs and when it last beat', async () => {
    const beat = heartbeat();
    await harness.storage.workers.beat(beat);

    expect(await find(beat.id)).toEqual({
      id: beat.id,
      host: 'worker-host-1',
      pid: 4321,
      version: '0.1.0',
      task_types: ['watermark', 'thumbnail'],
      concurrency: 4,
      running_task_ids: beat.runningTaskIds,
      started_at: new Date(beat.startedMs).toISOString(),
      last_beat_at: new Date(beat.beatMs).toISOString(),
      beat_interval_ms: 5_000,
      status: 'live',
    });
  });

  it('lists a worker as lost once it is silent for more than three of its own beat intervals', async () => {
    const quick = heartbeat({ beatIntervalMs: 100 });
    await harness.storage.workers.beat(quick);
    expect((await find(quick.id))?.status).toBe('live');

    await waitUntil(async () => (await find(quick.id))?.status === 'lost', { description: 'the silent worker listed lost' });
    expect(Date.now() - quick.beatMs).toBeGreaterThan(300);
  });

  it('judges each worker by its own interval', async () => {
    const slow = heartbeat({ beatIntervalMs: 60_000, beatMs: Date.now() - 100_000 });
    const quick = heartbeat({ beatIntervalMs: 1_000, beatMs: Date.now() - 100_000 });
    await harness.storage.workers.beat(slow);
    await harness.storage.workers.beat(quick);

    expect([(await find(slow.id))?.status, (await find(quick.id))?.status]).toEqual(['live', 'lost']);
  });

  it('stops listing a worker lost for more than a day', async () => {
    const dayOld = heartbeat({ beatMs: Date.now() - 24 * 60 * 60 * 1000 - 60_000 });
    const hourOld = heartbeat({ beatMs: Date.now() - 60 * 60 * 1000 });
    await harness.storage.workers.beat(dayOld);
    await harness.storage.workers.beat(hourOld);

    const ids = (await workers()).map((w) => w.id);

    expect(ids).toContain(hourOld.id);
    expect(ids).not.toContain(dayOld.id);
  });

  it('lists the latest beat first', async () => {
    const listed = await workers();

    const beats = listed.map((w) => Date.parse(w.last_beat_at));
    expect(beats).toEqual([...beats].sort((a, b) => b - a));
  });
});
