import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import type { TaskRecord } from '@offload/contracts';
import type { VersionedRecord } from '@offload/storage';
import { createTaskEventHub, type TaskWatcher } from './task-event-hub';

const AT = '2026-01-01T00:00:00.000Z';
const snapshot = (version: number): VersionedRecord => ({
  version,
  record: { id: 't', task_type: 'analysis', status: 'processing', attempts: 1, created_at: AT, updated_at: AT } satisfies TaskRecord,
});

describe('createTaskEventHub', () => {
  let version: number | undefined;
  const reads: string[] = [];
  let accepting: boolean;

  beforeEach(() => {
    jest.useFakeTimers();
    version = 1;
    reads.length = 0;
    accepting = true;
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  const hub = () =>
    createTaskEventHub({
      read: (id) => {
        reads.push(id);
        return Promise.resolve(version === undefined ? undefined : snapshot(version));
      },
      pollMs: 100,
      maxWatchers: 3,
      isAccepting: () => accepting,
      onError: () => undefined,
    });

  function watcher(): TaskWatcher & { seen: number[]; ended: string[] } {
    const seen: number[] = [];
    const ended: string[] = [];
    return { seen, ended, update: (s) => seen.push(s.version), end: (reason) => ended.push(reason) };
  }

  it('reads a task once per interval however many clients watch it, and fans each new version out', async () => {
    const events = hub();
    const [a, b] = [watcher(), watcher()];
    events.watch('t', a);
    events.watch('t', b);
    await jest.advanceTimersByTimeAsync(100);
    expect(reads).toEqual(['t']);
    version = 2;
    await jest.advanceTimersByTimeAsync(100);
    await jest.advanceTimersByTimeAsync(100);
    expect(reads).toEqual(['t', 't', 't']);
    expect([a.seen, b.seen]).toEqual([[1, 2], [1, 2]]);
    // A late watcher gets the latest version at once.
    const c = watcher();
    events.watch('t', c);
    expect(c.seen).toEqual([2]);
  });

  it('stops reading when the last watcher leaves', async () => {
    const events = hub();
    const stops = [events.watch('t', watcher()), events.watch('t', watcher())];
    await jest.advanceTimersByTimeAsync(100);
    stops[0]?.();
    await jest.advanceTimersByTimeAsync(100);
    expect(reads).toHaveLength(2);
    stops[1]?.();
    stops[1]?.();
    await jest.advanceTimersByTimeAsync(1_000);
    expect([reads.length, events.size]).toEqual([2, 0]);
  });

  it('refuses a watcher above the cap, across tasks', () => {
    const events = hub();
    for (const id of ['a', 'b', 'c']) expect(events.watch(id, watcher())).toBeInstanceOf(Function);
    expect(events.watch('d', watcher())).toBeUndefined();
  });

  it('ends every stream when the task is gone or the process shuts down', async () => {
    const events = hub();
    const [a, b] = [watcher(), watcher()];
    events.watch('t', a);
    events.watch('u', b);
    version = undefined;
    await jest.advanceTimersByTimeAsync(100);
    expect([a.ended, b.ended]).toEqual([['gone'], ['gone']]);
    version = 1;
    const c = watcher();
    events.watch('t', c);
    accepting = false;
    await jest.advanceTimersByTimeAsync(100);
    expect(c.ended).toEqual(['shutting_down']);
  });
});
