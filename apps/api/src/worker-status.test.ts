import { describe, expect, it } from '@jest/globals';
import type { WorkerHeartbeat } from '@offload/storage';
import { workerView } from './worker-status';

const row: WorkerHeartbeat = {
  id: 'b3c1e2a4-0000-4000-8000-000000000001',
  host: 'h',
  pid: 7,
  version: '1.0.0',
  taskTypes: ['analysis'],
  concurrency: 1,
  runningTaskIds: [],
  startedMs: Date.parse('2026-03-01T10:00:00Z'),
  beatMs: Date.parse('2026-03-01T12:00:00Z'),
  beatIntervalMs: 5_000,
};

describe('workerView', () => {
  it.each([
    [0, 'live'],
    [15_000, 'live'],
    [15_001, 'lost'],
  ] as const)('calls a worker silent for %i ms with a 5 s interval %s', (silentMs, status) => {
    expect(workerView(row, row.beatMs + silentMs).status).toBe(status);
  });

  it('shows times as ISO strings and names fields as the wire does', () => {
    expect(workerView(row, row.beatMs)).toEqual({
      id: row.id,
      host: 'h',
      pid: 7,
      version: '1.0.0',
      task_types: ['analysis'],
      concurrency: 1,
      running_task_ids: [],
      started_at: '2026-03-01T10:00:00.000Z',
      last_beat_at: '2026-03-01T12:00:00.000Z',
      beat_interval_ms: 5_000,
      status: 'live',
    });
  });
});
