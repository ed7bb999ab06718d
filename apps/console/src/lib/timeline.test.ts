import { describe, expect, it } from '@jest/globals';
import type { TaskRecord } from './domain';
import { taskTimeline } from './timeline';

describe('taskTimeline', () => {
  it('shows each run with its worker, the retry with its code and delay, and the end', () => {
    const record = {
      id: '00000000-0000-4000-8000-000000000001',
      task_type: 'watermark',
      status: 'succeeded',
      attempts: 2,
      created_at: '2026-01-01T00:00:00.000Z',
      updated_at: '2026-01-01T00:00:09.000Z',
      started_at: '2026-01-01T00:00:05.000Z',
      finished_at: '2026-01-01T00:00:09.000Z',
      runs: [
        { attempt: 1, started_at: '2026-01-01T00:00:01.000Z', worker: 'host-a:101', ended_at: '2026-01-01T00:00:02.000Z', outcome: 'retrying', error: { code: 'storage_unavailable', message: 'storage was away' }, retry_delay_ms: 2_000 },
        { attempt: 2, started_at: '2026-01-01T00:00:05.000Z', worker: 'host-b:202', ended_at: '2026-01-01T00:00:09.000Z', outcome: 'succeeded' },
      ],
    } as unknown as TaskRecord;
    const entries = taskTimeline(record, (ms) => `${ms} ms`);
    expect(entries.map((e) => e.kind)).toEqual(['created', 'started', 'retrying', 'started', 'succeeded']);
    expect(entries[1]?.text).toBe('attempt 1 on host-a:101');
    expect(entries[2]).toMatchObject({ code: 'storage_unavailable', text: 'storage was away; retried in 2000 ms', tone: 'warn' });
    expect(entries[4]?.tone).toBe('good');
  });

  it('falls back to the last start and the end for a record without runs', () => {
    const record = {
      id: '00000000-0000-4000-8000-000000000002',
      task_type: 'analysis',
      status: 'failed',
      attempts: 1,
      created_at: '2026-01-01T00:00:00.000Z',
      updated_at: '2026-01-01T00:00:03.000Z',
      started_at: '2026-01-01T00:00:01.000Z',
      finished_at: '2026-01-01T00:00:03.000Z',
      error: { code: 'invalid_input', message: '<b>bad</b> data' },
    } as unknown as TaskRecord;
    const entries = taskTimeline(record, String);
    expect(entries.map((e) => e.kind)).toEqual(['created', 'started', 'failed']);
    expect(entries[2]).toMatchObject({ code: 'invalid_input', text: '<b>bad</b> data', tone: 'bad' });
  });
});
