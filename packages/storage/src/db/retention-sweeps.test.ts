import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { tempDataDir, waitUntil } from '@offload/test-support';
import { openDbStorage, type DbStorage } from './db-storage';
import type { RetentionReport } from './retention';
import { startRetentionSweeps } from './retention-sweeps';

const DAY = 24 * 60 * 60 * 1000;

describe('startRetentionSweeps', () => {
  let dir: { path: string; remove: () => Promise<void> };
  let storage: DbStorage;

  beforeEach(async () => {
    dir = await tempDataDir('offload-sweeps');
    storage = await openDbStorage({ dataDir: dir.path });
  });

  afterEach(async () => {
    jest.useRealTimers();
    await storage.close();
    await dir.remove();
  });

  it('starts no timer when retention is 0 (keep everything)', async () => {
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'] });
    const called = jest.fn();

    const sweeps = startRetentionSweeps(storage, { retentionMs: 0, everyMs: 1_000, onSwept: called, onError: called });

    expect(jest.getTimerCount()).toBe(0);
    await sweeps.stop();
  });

  it('waits everyMs × (0.5 + random) before each sweep, drawn anew each time, and goes on after a failure', async () => {
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'] });
    // A closed database: every sweep fails, at once.
    await storage.close();
    const draws = [0, 0.999];
    const onError = jest.fn<(err: unknown) => void>();
    const sweeps = startRetentionSweeps(storage, { retentionMs: DAY, everyMs: 1_000, random: () => draws.shift() ?? 0.5, onSwept: () => undefined, onError });

    await jest.advanceTimersByTimeAsync(499);
    expect(onError).not.toHaveBeenCalled();
    await jest.advanceTimersByTimeAsync(1);
    expect(onError).toHaveBeenCalledTimes(1);
    await jest.advanceTimersByTimeAsync(1_498);
    expect(onError).toHaveBeenCalledTimes(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(onError).toHaveBeenCalledTimes(2);

    await sweeps.stop();
    expect(jest.getTimerCount()).toBe(0);
    storage = await openDbStorage({ dataDir: dir.path });
  });

  it('reports what each sweep deleted, and stops', async () => {
    const at = new Date(Date.now() - 8 * DAY).toISOString();
    await storage.records.create({ id: randomUUID(), task_type: 'watermark', status: 'failed', attempts: 1, created_at: at, updated_at: at, finished_at: at });
    const reports: RetentionReport[] = [];
    const errors: unknown[] = [];

    const sweeps = startRetentionSweeps(storage, { retentionMs: 7 * DAY, everyMs: 20, onSwept: (r) => reports.push(r), onError: (err) => errors.push(err) });
    await waitUntil(() => reports.length >= 2, { description: 'two sweeps' });
    await sweeps.stop();

    expect(errors).toEqual([]);
    expect(reports[0]).toMatchObject({ records: 1 });
    expect(reports[1]).toMatchObject({ records: 0 });
  });
});
