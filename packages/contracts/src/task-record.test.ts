import { describe, expect, it } from '@jest/globals';
import { TASK_STATUSES, TASK_TRANSITIONS, canTransition, isTerminalStatus, taskRecordSchema } from './task-record';

describe('canTransition', () => {
  it.each(TASK_STATUSES)('keeps succeeded and cancelled where they are: to %s only when that is themselves', (to) => {
    expect(canTransition('succeeded', to)).toBe(to === 'succeeded');
    expect(canTransition('cancelled', to)).toBe(to === 'cancelled');
  });

  it.each(TASK_STATUSES)('lets failed move to %s only when that is queued (a re-drive) or itself', (to) => {
    expect(canTransition('failed', to)).toBe(to === 'queued' || to === 'failed');
  });

  it.each(['scheduled', 'queued', 'processing', 'retrying'] as const)('lets %s be cancelled', (from) => {
    expect(canTransition(from, 'cancelled')).toBe(true);
  });

  it.each([
    ['queued', 'processing'],
    ['processing', 'processing'],
    ['processing', 'queued'],
    ['processing', 'retrying'],
    ['processing', 'succeeded'],
    ['retrying', 'processing'],
    ['queued', 'failed'],
  ] as const)('allows %s → %s', (from, to) => {
    expect(canTransition(from, to)).toBe(true);
  });

  it.each([
    ['queued', 'succeeded'],
    ['queued', 'queued'],
    ['retrying', 'queued'],
    ['retrying', 'succeeded'],
  ] as const)('refuses %s → %s', (from, to) => {
    expect(canTransition(from, to)).toBe(false);
  });

  it('names only known statuses when listing the transitions table', () => {
    expect(Object.keys(TASK_TRANSITIONS).sort()).toEqual([...TASK_STATUSES].sort());
    for (const targets of Object.values(TASK_TRANSITIONS)) {
      for (const target of targets) {
        expect(TASK_STATUSES).toContain(target);
      }
    }
  });
});

describe('isTerminalStatus', () => {
  it.each(TASK_STATUSES)('says whether %s is terminal', (status) => {
    expect(isTerminalStatus(status)).toBe(status === 'succeeded' || status === 'failed' || status === 'cancelled');
  });
});

describe('taskRecordSchema', () => {
  const base = {
    id: '7f0c2a4e-5b1d-4c3e-9a8f-0123456789ab',
    task_type: 'watermark',
    status: 'failed',
    attempts: 2,
    created_at: '2025-01-02T03:04:05.000Z',
    updated_at: '2025-01-02T03:05:05.000Z',
  };

  it('accepts a failed record with a known error code', () => {
    const record = { ...base, error: { code: 'corrupt_image', message: 'truncated JPEG' } };
    expect(taskRecordSchema.parse(record)).toEqual(record);
  });

  it('rejects a record when its error code is unknown', () => {
    expect(taskRecordSchema.safeParse({ ...base, error: { code: 'oops', message: 'x' } }).success).toBe(false);
  });

  it('rejects a record when its status is unknown', () => {
    expect(taskRecordSchema.safeParse({ ...base, status: 'done' }).success).toBe(false);
  });
});
