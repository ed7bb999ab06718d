import { describe, expect, it } from '@jest/globals';
import {
  callbackAttempted,
  taskCancelRequested,
  taskCreated,
  taskFailed,
  taskProgressed,
  taskRedriveFailed,
  taskRedriven,
  taskReleased,
  taskRetrying,
  taskRunCancelled,
  taskStarted,
  taskSucceeded,
} from './record-moves';
import { MAX_TASK_RUNS, taskRecordSchema, type TaskRecord } from './task-record';

const ID = '0b7e4c1e-3f5a-4d2b-9c8e-1a2b3c4d5e6f';
const RESULT = { output_key: 'out.png', content_type: 'image/png' };
const BOOM = { code: 'handler_failed', message: 'boom' } as const;
const A = 'host-a:41';
const B = 'host-b:7';

/** The n-th minute of the test's clock, as the moves stamp it. */
const at = (minute: number): string => new Date(Date.UTC(2030, 0, 1, 0, minute)).toISOString();

/** Applies a move that must apply, and checks that what it left is a valid record. */
function must(record: TaskRecord | undefined): TaskRecord {
  if (record === undefined) throw new Error('the move did not apply');
  expect(taskRecordSchema.parse(record)).toEqual(record);
  return record;
}

const created = (): TaskRecord => taskCreated({ id: ID, task_type: 'watermark', created_at: at(0) }, at(0));

describe('the runs of a task record', () => {
  it('keeps no runs on a record that never started', () => {
    expect(created()).not.toHaveProperty('runs');
  });

  it('records each run with its attempt, worker, end, outcome, error and retry delay when a task fails once, then succeeds', () => {
    let record = must(taskStarted(created(), at(1), A));
    expect(record.runs).toEqual([{ attempt: 1, started_at: at(1), worker: A }]);
    record = must(taskProgressed(record, at(2), 0.5));
    record = must(taskRetrying(record, at(3), 1_500, BOOM));
    record = must(taskStarted(record, at(4), B));
    record = must(taskSucceeded(record, at(5), RESULT));

    expect(record.runs).toEqual([
      { attempt: 1, started_at: at(1), worker: A, ended_at: at(3), outcome: 'retrying', error: BOOM, retry_delay_ms: 1_500 },
      { attempt: 2, started_at: at(4), worker: B, ended_at: at(5), outcome: 'succeeded' },
    ]);
    expect(record).toMatchObject({ status: 'succeeded', attempts: 2 });
    expect(record).not.toHaveProperty('runs_dropped');
  });

  it('stores a retry delay in whole milliseconds', () => {
    const record = must(taskRetrying(must(taskStarted(created(), at(1), A)), at(2), 99.6, BOOM));
    expect(record.runs?.[0]?.retry_delay_ms).toBe(100);
  });

  it('opens a run with no worker when the move is not told which', () => {
    expect(must(taskStarted(created(), at(1))).runs).toEqual([{ attempt: 1, started_at: at(1) }]);
  });

  it('closes the open run as lost, as the lost-run rule counts it, when a run starts on a record still processing', () => {
    const first = must(taskStarted(created(), at(1), A));
    const second = must(taskStarted(first, at(9), B));
    expect(second.lost_runs).toBe(1);
    expect(second.runs).toEqual([
      { attempt: 1, started_at: at(1), worker: A, ended_at: at(9), outcome: 'lost' },
      { attempt: 2, started_at: at(9), worker: B },
    ]);
  });

  it('closes the run as released when a graceful shutdown puts the task back, and numbers the next run on', () => {
    const released = must(taskReleased(must(taskStarted(created(), at(1), A)), at(2)));
    expect(released.runs).toEqual([{ attempt: 1, started_at: at(1), worker: A, ended_at: at(2), outcome: 'released' }]);
    expect(must(taskStarted(released, at(3), B)).runs?.map((r) => [r.attempt, r.outcome])).toEqual([
      [1, 'released'],
      [2, undefined],
    ]);
  });

  it('closes the run as cancelled when a client cancelled it, whatever the run reported', () => {
    const asked = must(taskCancelRequested(must(taskStarted(created(), at(1), A)), at(2)));
    expect(asked.runs).toEqual([{ attempt: 1, started_at: at(1), worker: A }]);
    for (const after of [taskRunCancelled(asked, at(3)), taskSucceeded(asked, at(3), RESULT), taskRetrying(asked, at(3), 1_000, BOOM), taskFailed(asked, at(3), BOOM), taskReleased(asked, at(3))]) {
      expect(must(after).runs).toEqual([{ attempt: 1, started_at: at(1), worker: A, ended_at: at(3), outcome: 'cancelled' }]);
    }
  });

  it('closes the run as failed with the error when the task is dead-lettered from its run', () => {
    const failed = must(taskFailed(must(taskStarted(created(), at(1), A)), at(2), { code: 'corrupt_image', message: 'truncated' }));
    expect(failed.runs).toEqual([{ attempt: 1, started_at: at(1), worker: A, ended_at: at(2), outcome: 'failed', error: { code: 'corrupt_image', message: 'truncated' } }]);
  });

  it('closes the run as lost when the task fails with worker_lost (its worker died)', () => {
    const lost = { code: 'worker_lost', message: '3 runs ended without a result' } as const;
    const failed = must(taskFailed(must(taskStarted(created(), at(1), A)), at(2), lost));
    expect(failed.runs).toEqual([{ attempt: 1, started_at: at(1), worker: A, ended_at: at(2), outcome: 'lost', error: lost }]);
  });

  it('leaves the runs alone when a task fails while no run is open (a dead letter made while it waited)', () => {
    const retrying = must(taskRetrying(must(taskStarted(created(), at(1), A)), at(2), 1_000, BOOM));
    const failed = must(taskFailed(retrying, at(3), { code: 'dead_lettered', message: 'expired' }));
    expect(failed.runs).toBe(retrying.runs);
    expect(must(taskFailed(created(), at(1), BOOM))).not.toHaveProperty('runs');
  });

  it('changes no run on progress, a cancel request or a webhook attempt', () => {
    const running = must(taskStarted(created(), at(1), A));
    expect(must(taskProgressed(running, at(2), 0.3)).runs).toBe(running.runs);
    expect(must(taskCancelRequested(running, at(2))).runs).toBe(running.runs);
    const done = must(taskSucceeded({ ...running, callback: { url: 'https://example.com/hook', state: 'pending', attempts: [] } }, at(3), RESULT));
    expect(must(callbackAttempted(done, at(4), { at: at(4), status_code: 200 }, 'delivered')).runs).toBe(done.runs);
  });

  it(`keeps the newest ${MAX_TASK_RUNS} runs and counts the ones it dropped`, () => {
    let record = created();
    for (let minute = 1; minute <= 2 * (MAX_TASK_RUNS + 5); minute += 2) {
      record = must(taskReleased(must(taskStarted(record, at(minute), A)), at(minute + 1)));
    }
    expect(record.attempts).toBe(MAX_TASK_RUNS + 5);
    expect(record.runs).toHaveLength(MAX_TASK_RUNS);
    expect(record.runs_dropped).toBe(5);
    expect(record.runs?.[0]?.attempt).toBe(6);
    expect(record.runs?.at(-1)?.attempt).toBe(MAX_TASK_RUNS + 5);
    const next = must(taskStarted(record, at(99), A));
    expect([next.runs?.length, next.runs_dropped, next.runs?.[0]?.attempt]).toEqual([MAX_TASK_RUNS, 6, 7]);
  });

  it('keeps the history through a re-drive, where the next run has attempt 1 again', () => {
    let record = must(taskStarted(created(), at(1), A));
    record = must(taskStarted(record, at(2), A));
    record = must(taskFailed(record, at(3), { code: 'corrupt_image', message: 'truncated' }));
    const before = record.runs;
    record = must(taskRedriven(record, at(4)));
    expect(record.runs).toBe(before);
    expect(record).not.toHaveProperty('lost_runs');
    record = must(taskStarted(record, at(5), B));
    record = must(taskSucceeded(record, at(6), RESULT));

    expect(record.runs?.map((r) => [r.attempt, r.worker, r.outcome])).toEqual([
      [1, A, 'lost'],
      [2, A, 'failed'],
      [1, B, 'succeeded'],
    ]);
    expect(record.attempts).toBe(1);
  });

  it('keeps the runs when a re-drive could not publish and the record fails again', () => {
    const failed = must(taskFailed(must(taskStarted(created(), at(1), A)), at(2), BOOM));
    const back = must(taskRedriveFailed(must(taskRedriven(failed, at(3))), at(4), failed, BOOM));
    expect(back.runs).toEqual(failed.runs);
  });
});
