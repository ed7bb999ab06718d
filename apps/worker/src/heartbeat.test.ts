import { describe, expect, it } from '@jest/globals';
import type { WorkerHeartbeat, WorkerStore } from '@offload/storage';
import { createLogger } from '@offload/telemetry';
import { waitUntil } from '@offload/test-support';
import { createHeartbeat } from './heartbeat';

/** An in-memory heartbeat store that records each call. */
function memoryWorkers() {
  const rows = new Map<string, WorkerHeartbeat>();
  const calls: string[] = [];
  let beatGate: Promise<void> = Promise.resolve();
  const store: WorkerStore = {
    async beat(heartbeat) {
      calls.push('beat');
      await beatGate;
      rows.set(heartbeat.id, heartbeat);
    },
    remove(id) {
      calls.push('remove');
      rows.delete(id);
      return Promise.resolve();
    },
    list: () => Promise.resolve([...rows.values()]),
    sweep: () => Promise.resolve(0),
  };
  return {
    store,
    rows,
    calls,
    /** Beats from now on wait until the returned function is called. */
    holdBeats(): () => void {
      let release: () => void = () => undefined;
      beatGate = new Promise<void>((resolve) => {
        release = resolve;
      });
      return () => release();
    },
  };
}

const identity = { id: 'w-1', host: 'h', pid: 1, version: '0.1.0', taskTypes: ['watermark'], concurrency: 1, startedMs: 0 };
const logger = createLogger({ name: 'heartbeat-test', level: 'silent' });

describe('createHeartbeat', () => {
  it('writes a first beat on start with the running ids read at that moment', async () => {
    const memory = memoryWorkers();
    const heartbeat = createHeartbeat({ workers: memory.store, identity, intervalMs: 60_000, runningTaskIds: () => ['t-1'], logger, now: () => 42 });

    await heartbeat.start();

    expect(memory.rows.get('w-1')).toEqual({ ...identity, runningTaskIds: ['t-1'], beatMs: 42, beatIntervalMs: 60_000 });
    await heartbeat.stop();
  });

  it('beats again every interval with what is running then', async () => {
    const memory = memoryWorkers();
    let running: string[] = [];
    const heartbeat = createHeartbeat({ workers: memory.store, identity, intervalMs: 10, runningTaskIds: () => running, logger });
    await heartbeat.start();

    running = ['t-2'];

    await waitUntil(() => memory.rows.get('w-1')?.runningTaskIds.includes('t-2'), { description: 'a later beat' });
    await heartbeat.stop();
  });

  it('waits for a beat in flight before it deletes the row on stop, so no beat writes it back', async () => {
    const memory = memoryWorkers();
    const heartbeat = createHeartbeat({ workers: memory.store, identity, intervalMs: 10, runningTaskIds: () => [], logger });
    await heartbeat.start();
    const release = memory.holdBeats();
    await waitUntil(() => memory.calls.length >= 2, { description: 'a second beat in flight' });

    const stopped = heartbeat.stop();
    release();
    await stopped;

    expect(memory.calls.at(-1)).toBe('remove');
    expect(memory.rows.has('w-1')).toBe(false);
  });

  it('resolves start and keeps trying when a beat fails', async () => {
    const memory = memoryWorkers();
    let failures = 0;
    const failing: WorkerStore = {
      ...memory.store,
      beat: (heartbeat) => (failures++ < 2 ? Promise.reject(new Error('database away')) : memory.store.beat(heartbeat)),
    };
    const heartbeat = createHeartbeat({ workers: failing, identity, intervalMs: 10, runningTaskIds: () => [], logger });

    await expect(heartbeat.start()).resolves.toBeUndefined();

    await waitUntil(() => memory.rows.has('w-1'), { description: 'a beat after two failures' });
    await heartbeat.stop();
  });

  it('returns the same promise when stopped twice', async () => {
    const memory = memoryWorkers();
    const heartbeat = createHeartbeat({ workers: memory.store, identity, intervalMs: 10, runningTaskIds: () => [], logger });
    await heartbeat.start();

    expect(heartbeat.stop()).toBe(heartbeat.stop());
    await heartbeat.stop();
    expect(memory.calls.filter((c) => c === 'remove')).toHaveLength(1);
  });
});
