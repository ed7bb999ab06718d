import type { DeadLetterEntry } from '@offload/broker';
import { describeSelection, selectDeadLetters } from './selection';

const A = '6f1c7b3e-1d2a-4c5b-9e8f-0a1b2c3d4e5f';
const B = 'a0a1a2a3-b4b5-4c6c-8d7d-e8e9eaebeced';
const MISSING = '0e2d7f4c-5b6a-4f3e-9d8c-7b6a5f4e3d2c';

function entry(id: string | undefined, type: string, reason: string): DeadLetterEntry {
  return { body: Buffer.from('not json'), messageId: id, type, headers: { 'x-offload-reason': reason }, timestampMs: undefined, ack: () => true };
}

const entries = [entry(A, 'watermark', 'corrupt_image'), entry(B, 'analysis', 'corrupt_image'), entry(A, 'watermark', 'attempts_exhausted'), entry(undefined, 'analysis', 'invalid_message')];

const ids = (selection: Parameters<typeof selectDeadLetters>[1]) => selectDeadLetters(entries, selection).selected.map((s) => entries.indexOf(s.entry));

describe('selectDeadLetters', () => {
  it('selects every entry, those that name no task too', () => {
    expect(ids({ kind: 'all' })).toEqual([0, 1, 2, 3]);
  });

  it('selects every entry of the tasks named, and reports the ids no entry belongs to', () => {
    expect(ids({ kind: 'ids', ids: [A] })).toEqual([0, 2]);
    expect(selectDeadLetters(entries, { kind: 'ids', ids: [MISSING, B] }).notFound).toEqual([MISSING]);
  });

  it('selects by task type, by reason, or by both, as list shows them', () => {
    expect(ids({ kind: 'filter', task_type: 'analysis' })).toEqual([1, 3]);
    expect(ids({ kind: 'filter', reason: 'corrupt_image' })).toEqual([0, 1]);
    expect(ids({ kind: 'filter', task_type: 'watermark', reason: 'attempts_exhausted' })).toEqual([2]);
    expect(ids({ kind: 'filter', task_type: 'thumbnail' })).toEqual([]);
    expect(selectDeadLetters(entries, { kind: 'filter', reason: 'corrupt_image' }).notFound).toEqual([]);
  });

  it('hands back the row list shows with each entry', () => {
    const [first] = selectDeadLetters(entries, { kind: 'ids', ids: [B] }).selected;
    expect(first?.row).toMatchObject({ id: B, task_type: 'analysis', reason: 'corrupt_image', decodable: false });
  });
});

describe('describeSelection', () => {
  it('says what a selection names, in words', () => {
    expect(describeSelection({ kind: 'all' })).toBe('every dead letter in the queue');
    expect(describeSelection({ kind: 'ids', ids: [A] })).toBe(`the dead letters of task ${A}`);
    expect(describeSelection({ kind: 'ids', ids: [A, B] })).toBe(`the dead letters of 2 tasks: ${A}, ${B}`);
    expect(describeSelection({ kind: 'filter', task_type: 'watermark', reason: 'corrupt_image' })).toBe('the dead letters whose task type is watermark and reason is corrupt_image');
    expect(describeSelection({ kind: 'filter', reason: 'worker_lost' })).toBe('the dead letters whose reason is worker_lost');
  });

  it('names at most maxIds ids, then how many more', () => {
    expect(describeSelection({ kind: 'ids', ids: [A, B, MISSING] }, 1)).toBe(`the dead letters of 3 tasks: ${A} and 2 more`);
  });
});
