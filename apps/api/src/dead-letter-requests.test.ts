import { randomUUID } from 'node:crypto';
import { HttpProblem } from './http-errors';
import { parseDeadLetterListQuery, parsePurgeBody, parseRedriveBody } from './dead-letter-requests';

const A = '6f1c7b3e-1d2a-4c5b-9e8f-0a1b2c3d4e5f';

function refusal(parse: () => unknown): HttpProblem {
  try {
    parse();
  } catch (err) {
    if (err instanceof HttpProblem) return err;
    throw err;
  }
  throw new Error('accepted');
}

describe('parseDeadLetterListQuery', () => {
  it('lists every dead letter, 100 rows, when the query names nothing', () => {
    expect(parseDeadLetterListQuery({})).toEqual({ selection: { kind: 'all' }, limit: 100 });
  });

  it('turns task_type and reason into a filter', () => {
    expect(parseDeadLetterListQuery({ task_type: 'watermark', reason: 'worker_lost', limit: '7' })).toEqual({
      selection: { kind: 'filter', task_type: 'watermark', reason: 'worker_lost' },
      limit: 7,
    });
  });
});

describe('parseRedriveBody', () => {
  it('selects ids in lower case, each once', () => {
    expect(parseRedriveBody({ ids: [A.toUpperCase(), A] })).toEqual({ kind: 'ids', ids: [A] });
  });

  it('selects all, or a filter of one or both fields', () => {
    expect(parseRedriveBody({ all: true })).toEqual({ kind: 'all' });
    expect(parseRedriveBody({ reason: 'corrupt_image' })).toEqual({ kind: 'filter', task_type: undefined, reason: 'corrupt_image' });
    expect(parseRedriveBody({ task_type: 'thumbnail', reason: 'corrupt_image' })).toEqual({ kind: 'filter', task_type: 'thumbnail', reason: 'corrupt_image' });
  });

  it('refuses confirm, which only a purge takes', () => {
    expect(refusal(() => parseRedriveBody({ all: true, confirm: true })).fieldProblems).toEqual([{ path: 'confirm', message: 'unknown field', code: 'unrecognized_keys' }]);
  });
});

describe('parsePurgeBody', () => {
  it('returns the selection once confirmed', () => {
    expect(parsePurgeBody({ ids: [A], confirm: true })).toEqual({ kind: 'ids', ids: [A] });
  });

  it('names at most 10 ids in the refusal, then how many more', () => {
    const ids = Array.from({ length: 12 }, () => randomUUID());
    const problem = refusal(() => parsePurgeBody({ ids }));
    expect(problem.message).toBe(`purge would remove the dead letters of 12 tasks: ${ids.slice(0, 10).join(', ')} and 2 more for good (a purged task stays failed); add "confirm": true`);
    expect(problem.fieldProblems?.map((p) => p.path)).toEqual(['confirm']);
  });

  it('checks the selection before the confirmation', () => {
    expect(refusal(() => parsePurgeBody({})).fieldProblems?.map((p) => p.path)).toEqual(['']);
  });
});
