import { describe, expect, it } from '@jest/globals';
import {
  callbackAttempted,
  lostRunsOnStart,
  taskCancelRequested,
  taskDue,
  taskRunCancelled,
  taskCreated,
  taskFailed,
  taskNotAccepted,
  taskProgressed,
  taskRedriveFailed,
  taskRedriven,
  taskReleased,
  taskResubmitted,
  taskRetrying,
  taskStarted,
  taskSucceeded,
} from './record-moves';
import { TASK_STATUSES, canTransition, taskRecordSchema, type TaskRecord, type TaskStatus } from './task-record';

const ID = '0b7e4c1e-3f5a-4d2b-9c8e-1a2b3c4d5e6f';
const CREATED = '2030-01-01T00:00:00.000Z';
const EARLIER = '2030-01-01T00:01:00.000Z';
const NOW = '2030-01-01T00:05:00.000Z';
const RESULT = { output_key: 'out.png', content_type: 'image/png' };
const BOOM = { code: 'handler_failed', message: 'boom' } as const;
const WORKER = 'host-a:41';

/** A plausible record in each status, as the moves leave them. */
function recordIn(status: TaskStatus, extra: Partial<TaskRecord> = {}): TaskRecord {
  const base: TaskRecord = { id: ID, task_type: 'watermark', status, attempts: 0, created_at: CREATED, updated_at: EARLIER };
  const byStatus: Record<TaskStatus, Partial<TaskRecord>> = {
    scheduled: { run_at: NOW },
    queued: {},
    processing: { attempts: 1, started_at: EARLIER, progress: 0.4, runs: [{ attempt: 1, started_at: EARLIER, worker: WORKER }] },
    retrying: {
      attempts: 1,
      started_at: EARLIER,
      next_attempt_at: NOW,
      error: BOOM,
      runs: [{ attempt: 1, started_at: EARLIER, worker: WORKER, ended_at: EARLIER, outcome: 'retrying', error: BOOM, retry_delay_ms: 240_000 }],
    },
    succeeded: {
      attempts: 1,
      started_at: EARLIER,
      finished_at: EARLIER,
      progress: 1,
      result: RESULT,
      runs: [{ attempt: 1, started_at: EARLIER, worker: WORKER, ended_at: EARLIER, outcome: 'succeeded' }],
    },
    failed: {
      attempts: 2,
      started_at: EARLIER,
      finished_at: EARLIER,
      progress: 0.5,
      lost_runs: 1,
      error: { code: 'corrupt_image', message: 'truncated' },
      runs: [
        { attempt: 1, started_at: CREATED, worker: WORKER, ended_at: EARLIER, outcome: 'lost' },
        { attempt: 2, started_at: EARLIER, worker: WORKER, ended_at: EARLIER, outcome: 'failed', error: { code: 'corrupt_image', message: 'truncated' } },
      ],
    },
    cancelled: { finished_at: EARLIER },
  };
  return { ...base, ...byStatus[status], ...extra };
}

/** Every move over an existing record, and the statuses it applies from. */
const MOVES: readonly [string, (record: TaskRecord) => TaskRecord | undefined, readonly TaskStatus[]][] = [
  ['taskStarted', (r) => taskStarted(r, NOW), ['scheduled', 'queued', 'processing', 'retrying']],
  ['taskDue', (r) => taskDue(r, NOW), ['scheduled']],
  ['taskCancelRequested', (r) => taskCancelRequested(r, NOW), ['scheduled', 'queued', 'processing', 'retrying']],
  ['taskRunCancelled', (r) => taskRunCancelled(r.status === 'processing' ? { ...r, cancel_requested_at: EARLIER } : r, NOW), ['processing']],
  [
    'callbackAttempted',
    (r) => callbackAttempted({ ...r, callback: { url: 'https://example.com/hook', state: 'pending', attempts: [] } }, NOW, { at: NOW, status_code: 500 }, 'pending'),
    ['succeeded', 'failed', 'cancelled'],
  ],
  ['taskProgressed', (r) => taskProgressed(r, NOW, 0.5), ['processing']],
  ['taskSucceeded', (r) => taskSucceeded(r, NOW, RESULT), ['processing']],
  ['taskRetrying', (r) => taskRetrying(r, NOW, 1_000, BOOM), ['processing']],
  ['taskFailed', (r) => taskFailed(r, NOW, BOOM), ['scheduled', 'queued', 'processing', 'retrying']],
  ['taskNotAccepted', (r) => taskNotAccepted(r, NOW), ['queued']],
  ['taskResubmitted', (r) => taskResubmitted(r.status === 'failed' ? { ...r, error: { code: 'not_accepted', message: 'x' } } : r, NOW), ['failed']],
  ['taskReleased', (r) => taskReleased(r, NOW), ['processing']],
  ['taskRedriven', (r) => taskRedriven(r, NOW), ['failed']],
  ['taskRedriveFailed', (r) => taskRedriveFailed(r, NOW, undefined, BOOM), ['queued']],
];

describe('record moves', () => {
  describe.each(MOVES)('%s', (_name, move, from) => {
    it.each(TASK_STATUSES)('applies from %s only when it is one of its statuses, to a valid record the transitions allow', (status) => {
      const before = recordIn(status);
      const after = move(before);
      if (!from.includes(status)) {
        expect(after).toBeUndefined();
        return;
      }
      if (after === undefined) throw new Error(`expected a move from ${status}`);
      expect(taskRecordSchema.parse(after)).toEqual(after);
      expect(canTransition(status, after.status)).toBe(true);
      expect([after.id, after.task_type, after.created_at]).toEqual([before.id, before.task_type, before.created_at]);
      expect(after.updated_at).toBe(NOW);
    });

    it('leaves the record it was given as it was', () => {
      for (const status of TASK_STATUSES) {
        const before = recordIn(status);
        const copy = structuredClone(before);
        move(before);
        expect(before).toEqual(copy);
      }
    });
  });
});

describe('taskCreated', () => {
  it('creates a queued record with no attempts, created now when the task carries no time', () => {
    expect(taskCreated({ id: ID, task_type: 'analysis' }, new Date(NOW))).toEqual({
      id: ID,
      task_type: 'analysis',
      tenant: 'default',
      status: 'queued',
      attempts: 0,
      created_at: NOW,
      updated_at: NOW,
    });
  });

  it('keeps the creation time of an envelope that carries one', () => {
    const record = taskCreated({ id: ID, task_type: 'watermark', created_at: CREATED }, NOW);
    expect([record.created_at, record.updated_at]).toEqual([CREATED, NOW]);
    expect(taskRecordSchema.parse(record)).toEqual(record);
  });
});

describe('lostRunsOnStart', () => {
  it.each(TASK_STATUSES)('counts no lost run when a run starts on a %s record other than processing', (status) => {
    expect(lostRunsOnStart(recordIn(status, { lost_runs: 2 }))).toBe(status === 'processing' ? 3 : 0);
  });

  it('counts the first lost run of a processing record that has none yet', () => {
    expect(lostRunsOnStart(recordIn('processing'))).toBe(1);
  });
});

describe('taskStarted', () => {
  it('counts the attempt, stamps started_at and clears next_attempt_at when a retrying task starts', () => {
    const after = taskStarted(recordIn('retrying', { lost_runs: 1 }), NOW);
    expect(after).toMatchObject({ status: 'processing', attempts: 2, started_at: NOW, updated_at: NOW, lost_runs: 1, error: BOOM });
    expect(after).not.toHaveProperty('next_attempt_at');
  });

  it('counts a lost run when the record is still processing (its worker died)', () => {
    expect(taskStarted(recordIn('processing'), NOW)).toMatchObject({ attempts: 2, lost_runs: 1 });
    expect(taskStarted(recordIn('processing', { lost_runs: 2 }), NOW)).toMatchObject({ attempts: 2, lost_runs: 3 });
  });

  it('adds no lost_runs to a queued record', () => {
    expect(taskStarted(recordIn('queued'), NOW)).not.toHaveProperty('lost_runs');
  });

  it('accepts the time as a Date as well as a string', () => {
    expect(taskStarted(recordIn('queued'), new Date(NOW))).toEqual(taskStarted(recordIn('queued'), NOW));
  });
});

describe('taskProgressed', () => {
  it.each([
    [0.25, 0.25],
    [-1, 0],
    [7, 1],
  ])('records progress %p as %p', (fraction, stored) => {
    expect(taskProgressed(recordIn('processing'), NOW, fraction)?.progress).toBe(stored);
  });
});

describe('taskSucceeded', () => {
  it('stores the result, progress 1 and finished_at, and clears error and next_attempt_at', () => {
    const after = taskSucceeded(recordIn('processing', { error: BOOM, next_attempt_at: NOW }), NOW, RESULT);
    expect(after).toMatchObject({ status: 'succeeded', result: RESULT, progress: 1, finished_at: NOW });
    expect(after).not.toHaveProperty('error');
    expect(after).not.toHaveProperty('next_attempt_at');
  });
});

describe('taskRetrying', () => {
  it('records the failure and when the task is due again', () => {
    expect(taskRetrying(recordIn('processing'), NOW, 90_000, BOOM)).toMatchObject({
      status: 'retrying',
      next_attempt_at: '2030-01-01T00:06:30.000Z',
      error: BOOM,
      attempts: 1,
    });
  });
});

describe('taskFailed', () => {
  it('records the error and finished_at and clears next_attempt_at', () => {
    const after = taskFailed(recordIn('retrying'), NOW, { code: 'worker_lost', message: 'lost' });
    expect(after).toMatchObject({ status: 'failed', finished_at: NOW, error: { code: 'worker_lost', message: 'lost' }, attempts: 1 });
    expect(after).not.toHaveProperty('next_attempt_at');
  });

  it('leaves a record queued after the dead letter was made (re-driven since)', () => {
    const requeued = recordIn('queued', { updated_at: NOW });
    expect(taskFailed(requeued, NOW, BOOM, EARLIER)).toBeUndefined();
    expect(taskFailed(requeued, NOW, BOOM, new Date(EARLIER))).toBeUndefined();
  });

  it('fails a record queued before the dead letter was made, and a running one whatever its time', () => {
    expect(taskFailed(recordIn('queued', { updated_at: EARLIER }), NOW, BOOM, NOW)?.status).toBe('failed');
    expect(taskFailed(recordIn('processing', { updated_at: NOW }), NOW, BOOM, EARLIER)?.status).toBe('failed');
  });
});

describe('taskNotAccepted', () => {
  it('fails a queued record with not_accepted', () => {
    expect(taskNotAccepted(recordIn('queued'), NOW)).toMatchObject({
      status: 'failed',
      finished_at: NOW,
      error: { code: 'not_accepted', message: 'the broker did not confirm the task in time; it was not accepted' },
    });
  });
});

describe('taskResubmitted', () => {
  it('queues a not_accepted record again, clearing its error and finished_at', () => {
    const after = taskResubmitted(recordIn('failed', { error: { code: 'not_accepted', message: 'x' } }), NOW);
    expect(after).toMatchObject({ status: 'queued', attempts: 2, updated_at: NOW });
    expect(after).not.toHaveProperty('error');
    expect(after).not.toHaveProperty('finished_at');
  });

  it('leaves a record that failed for another reason', () => {
    expect(taskResubmitted(recordIn('failed'), NOW)).toBeUndefined();
  });
});

describe('taskReleased', () => {
  it('queues a running task again and keeps its attempts', () => {
    expect(taskReleased(recordIn('processing'), NOW)).toMatchObject({ status: 'queued', attempts: 1, started_at: EARLIER });
  });
});

describe('taskRedriven', () => {
  it('resets attempts and clears the last failure, keeping the runs', () => {
    const before = recordIn('failed', { next_attempt_at: NOW });
    const after = taskRedriven(before, NOW);
    expect(after).toEqual({ id: ID, task_type: 'watermark', status: 'queued', attempts: 0, created_at: CREATED, updated_at: NOW, started_at: EARLIER, runs: before.runs });
  });
});

describe('taskRedriveFailed', () => {
  it('puts back the failure the record had before the re-drive', () => {
    const previous = recordIn('failed');
    const after = taskRedriveFailed(taskRedriven(previous, NOW) ?? previous, NOW, previous, BOOM);
    expect(after).toMatchObject({ status: 'failed', attempts: 2, finished_at: EARLIER, error: previous.error, progress: 0.5 });
  });

  it('uses the fallback failure when there was no record before', () => {
    const after = taskRedriveFailed(taskCreated({ id: ID, task_type: 'watermark', created_at: CREATED }, EARLIER), NOW, undefined, BOOM);
    expect(after).toMatchObject({ status: 'failed', attempts: 0, finished_at: NOW, error: BOOM });
    expect(after).not.toHaveProperty('progress');
  });
});

describe('cancelling', () => {
  it('ends a waiting task at once, and only asks a running one to stop', () => {
    for (const status of ['scheduled', 'queued', 'retrying'] as const) {
      expect(taskCancelRequested(recordIn(status), NOW)).toMatchObject({ status: 'cancelled', finished_at: NOW });
      expect(taskCancelRequested(recordIn(status), NOW)?.next_attempt_at).toBeUndefined();
    }
    const asked = taskCancelRequested(recordIn('processing'), NOW);
    expect(asked).toMatchObject({ status: 'processing', cancel_requested_at: NOW });
    expect(asked === undefined ? 'none' : taskCancelRequested(asked, NOW)).toBeUndefined();
  });

  it('turns every outcome of a run that was asked to stop into cancelled, with no result', () => {
    const asked = recordIn('processing', { cancel_requested_at: EARLIER });
    for (const after of [
      taskSucceeded(asked, NOW, RESULT),
      taskRetrying(asked, NOW, 1_000, BOOM),
      taskFailed(asked, NOW, BOOM),
      taskReleased(asked, NOW),
    ]) {
      expect(after).toMatchObject({ status: 'cancelled', finished_at: NOW });
      expect(after?.result).toBeUndefined();
    }
    expect(taskStarted(asked, NOW)).toBeUndefined();
  });
});

describe('scheduled tasks', () => {
  it('start scheduled with their due time and priority, and become queued when due', () => {
    const record = taskCreated({ id: ID, task_type: 'watermark', run_at: NOW, priority: 'high' }, CREATED);
    expect(record).toMatchObject({ status: 'scheduled', run_at: NOW, priority: 'high' });
    expect(taskDue(record, NOW)).toMatchObject({ status: 'queued', run_at: NOW });
    expect(taskCreated({ id: ID, task_type: 'watermark', priority: 'normal' }, CREATED).priority).toBeUndefined();
  });
});

describe('callbackAttempted', () => {
  it('appends attempts until the webhook is settled, and changes nothing else', () => {
    const done = { ...recordIn('succeeded'), callback: { url: 'https://example.com/hook', state: 'pending' as const, attempts: [] } };
    const failedOnce = callbackAttempted(done, NOW, { at: NOW, status_code: 503 }, 'pending');
    const delivered = failedOnce === undefined ? undefined : callbackAttempted(failedOnce, NOW, { at: NOW, status_code: 200 }, 'delivered');
    expect(delivered?.callback).toEqual({ url: 'https://example.com/hook', state: 'delivered', attempts: [{ at: NOW, status_code: 503 }, { at: NOW, status_code: 200 }] });
    expect({ ...delivered, callback: undefined, updated_at: undefined }).toEqual({ ...done, callback: undefined, updated_at: undefined });
    expect(delivered === undefined ? 'none' : callbackAttempted(delivered, NOW, { at: NOW, status_code: 200 }, 'delivered')).toBeUndefined();
  });
});
