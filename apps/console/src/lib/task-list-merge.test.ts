import { describe, expect, it } from '@jest/globals';
import type { TaskRecord } from './domain';
import { NO_FILTERS } from './task-filters';
import { mergeChanges } from './task-list-merge';

let n = 0;
function record(over: Partial<TaskRecord> = {}): TaskRecord {
  n++;
  const at = new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString();
  return { id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`, task_type: 'watermark', tenant: 'default', status: 'queued', attempts: 0, created_at: at, updated_at: at, ...over };
}

describe('mergeChanges', () => {
  it('puts a new task first and updates a shown one in place', () => {
    const a = record();
    const b = record();
    const shown = [b, a];
    const newer = record();
    const bDone = { ...b, status: 'succeeded' as const, updated_at: new Date(Date.parse(b.updated_at) + 5_000).toISOString() };
    const rows = mergeChanges(shown, [newer, bDone], NO_FILTERS, { firstPage: true, max: 50 });
    expect(rows.map((r) => r.id)).toEqual([newer.id, b.id, a.id]);
    expect(rows[1]?.status).toBe('succeeded');
  });

  it('drops a row that leaves the filter and ignores a stale version', () => {
    const a = record({ status: 'failed' });
    const filters = { ...NO_FILTERS, statuses: ['failed' as const] };
    const stale = { ...a, status: 'failed' as const, updated_at: new Date(Date.parse(a.updated_at) - 1_000).toISOString(), attempts: 9 };
    expect(mergeChanges([a], [stale], filters, { firstPage: true, max: 50 })[0]?.attempts).toBe(0);
    const redriven = { ...a, status: 'queued' as const, updated_at: new Date(Date.parse(a.updated_at) + 1_000).toISOString() };
    expect(mergeChanges([a], [redriven], filters, { firstPage: true, max: 50 })).toEqual([]);
  });

  it('adds no new rows beyond the first page, and keeps at most max rows', () => {
    const shown = [record(), record()].reverse();
    expect(mergeChanges(shown, [record()], NO_FILTERS, { firstPage: false, max: 50 })).toHaveLength(2);
    const many = Array.from({ length: 5 }, () => record());
    expect(mergeChanges(shown, many, NO_FILTERS, { firstPage: true, max: 3 })).toHaveLength(3);
  });

  it('does not add an older task that belongs to a page not loaded', () => {
    const old = record();
    const shown = [record(), record()].reverse();
    expect(mergeChanges(shown, [old], NO_FILTERS, { firstPage: true, max: 2 }).map((r) => r.id)).not.toContain(old.id);
  });
});
