import type { DeadLetterRow } from '@offload/dead-letters';
import { formatDeadLetters, formatDeadLettersJson, formatPurgeReport, formatRedriveReport, oneLine } from './format';

const ID = '6f1c7b3e-1d2a-4c5b-9e8f-0a1b2c3d4e5f';
const OTHER = 'a0a1a2a3-b4b5-4c6c-8d7d-e8e9eaebeced';

const row: DeadLetterRow = {
  id: ID,
  task_type: 'watermark',
  reason: 'corrupt_image',
  error: 'the image\nis truncated',
  attempts: 1,
  dead_lettered_at: '2026-03-01T10:00:00.000Z',
  source_queue: 'offload.task.watermark',
  decodable: true,
};

describe('oneLine', () => {
  it('collapses whitespace and newlines', () => {
    expect(oneLine(' a\n\tb   c ')).toBe('a b c');
  });

  it('shows control characters and bidirectional overrides as U+FFFD', () => {
    expect(oneLine('red \u001b[31mtext\u0007 \u009b2J \u202eevil')).toBe('red \uFFFD[31mtext\uFFFD \uFFFD2J \uFFFDevil');
  });

  it('cuts long text with an ellipsis at the limit', () => {
    expect(oneLine('x'.repeat(20), 10)).toBe(`${'x'.repeat(9)}…`);
    expect(oneLine('x'.repeat(10), 10)).toBe('x'.repeat(10));
  });
});

describe('formatDeadLetters', () => {
  it('prints one line per dead letter with the error on one line, then a count', () => {
    const poison: DeadLetterRow = { ...row, id: OTHER, task_type: null, reason: 'invalid_message', error: 'not JSON', attempts: null, dead_lettered_at: null, decodable: false };
    expect(formatDeadLetters([row, poison], 'offload.dead-letter').split('\n')).toEqual([
      'ID                                    TASK TYPE  REASON           ATTEMPTS  DEAD-LETTERED AT          ERROR',
      `${ID}  watermark  corrupt_image    1         2026-03-01T10:00:00.000Z  the image is truncated`,
      `${OTHER}  -          invalid_message  -         -                         (cannot be re-driven) not JSON`,
      '',
      '2 dead letters in offload.dead-letter',
    ]);
  });

  it('shows the type and id an invalid message names, and a dash where it names none', () => {
    const named: DeadLetterRow = { ...row, reason: 'invalid_message', error: 'invalid message: body is not UTF-8 JSON', attempts: 1, decodable: false };
    const anonymous: DeadLetterRow = { ...named, id: null, task_type: null };
    const lines = formatDeadLetters([named, anonymous], 'q').split('\n');
    expect(lines[1]).toBe(`${ID}  watermark  invalid_message  1         2026-03-01T10:00:00.000Z  (cannot be re-driven) invalid message: body is not UTF-8 JSON`);
    expect(lines[2]).toBe(`${'-'.padEnd(36)}  -          invalid_message  1         2026-03-01T10:00:00.000Z  (cannot be re-driven) invalid message: body is not UTF-8 JSON`);
  });

  it('says so when the queue is empty', () => {
    expect(formatDeadLetters([], 'offload.dead-letter')).toBe('no dead letters in offload.dead-letter');
    expect(formatDeadLettersJson([])).toBe('[]');
  });

  it('prints the rows as they are with --json', () => {
    expect(JSON.parse(formatDeadLettersJson([row]))).toEqual([row]);
  });
});

describe('formatRedriveReport', () => {
  it('prints one line per outcome and the summary', () => {
    const report = formatRedriveReport(
      [
        { kind: 'redriven', id: ID, task_type: 'watermark', entry_kept: false },
        { kind: 'already_succeeded', id: OTHER },
        { kind: 'not_found', id: OTHER },
      ],
      'offload.dead-letter',
    );
    expect(report.split('\n')).toEqual([
      'OUTCOME            ID                                    DETAIL',
      `re-driven          ${ID}  watermark`,
      `already succeeded  ${OTHER}  not run again; removed from the dead-letter queue`,
      `not found          ${OTHER}  not in offload.dead-letter`,
      '',
      're-driven 1, skipped 1 (already succeeded), not found 1',
    ]);
  });

  it('adds duplicates and entries left behind to the summary only when there are some', () => {
    const report = formatRedriveReport(
      [
        { kind: 'duplicate', id: ID },
        { kind: 'active', id: ID, status: 'processing' },
        { kind: 'undecodable', id: undefined, message: 'body is\nnot JSON' },
        { kind: 'failed', id: OTHER, message: 'not published (timeout); the record is back to failed' },
      ],
      'q',
    );
    expect(report).toContain(`left       ${ID}  the task is processing, not failed; not re-driven`);
    expect(report).toContain('left       -                                     not a valid task message: body is not JSON');
    expect(report.endsWith('re-driven 0, skipped 0 (already succeeded), not found 0, duplicates removed 1, left in the dead-letter queue 3')).toBe(true);
  });

  it('counts a dead letter whose signature does not verify as left, saying why', () => {
    const report = formatRedriveReport([{ kind: 'unsigned', id: ID, message: 'signed with a key not held here (key id 5c73a38aa9f6)' }], 'q');
    expect(report).toContain(`left     ${ID}  not re-driven, invalid signature: signed with a key not held here (key id 5c73a38aa9f6)`);
    expect(report.endsWith('left in the dead-letter queue 1')).toBe(true);
  });

  it('reports an empty selection', () => {
    expect(formatRedriveReport([], 'q')).toBe('no dead letters in q\nre-driven 0, skipped 0 (already succeeded), not found 0');
  });
});

describe('formatPurgeReport', () => {
  it('prints one line per outcome, then how many were purged, the ids not found and that records are unchanged', () => {
    const report = formatPurgeReport(
      [
        { kind: 'purged', id: ID, task_type: 'watermark', reason: 'corrupt_image' },
        { kind: 'purged', id: null, task_type: null, reason: 'invalid_message' },
        { kind: 'not_found', id: OTHER },
      ],
      'offload.dead-letter',
    );
    expect(report.split('\n')).toEqual([
      'OUTCOME    ID                                    TASK TYPE  DETAIL',
      `purged     ${ID}  watermark  corrupt_image`,
      'purged     -                                     -          invalid_message',
      `not found  ${OTHER}  -          not in offload.dead-letter`,
      '',
      `purged 2, not found 1 (${OTHER})`,
      'task records are unchanged: a purged task stays failed, with its error',
    ]);
  });

  it('counts entries left behind or unconfirmed, and omits the record note when nothing was removed', () => {
    const report = formatPurgeReport(
      [
        { kind: 'left', id: ID, task_type: 'watermark', reason: 'corrupt_image' },
        { kind: 'not_found', id: OTHER },
        { kind: 'not_found', id: ID },
      ],
      'q',
    );
    expect(report).toContain(`left       ${ID}  watermark  corrupt_image; still in q (the channel closed before the ack)`);
    expect(report.endsWith(`purged 0, not found 2 (${OTHER}, ${ID}), left in the dead-letter queue 1`)).toBe(true);
    const unconfirmed = formatPurgeReport([{ kind: 'unconfirmed', id: ID, task_type: 'analysis', reason: 'attempts_exhausted' }], 'q');
    expect(unconfirmed).toContain('purged 0, not found 0, unconfirmed 1\ntask records are unchanged');
  });

  it('reports an empty queue', () => {
    expect(formatPurgeReport([], 'q')).toBe('no dead letters in q\npurged 0, not found 0');
  });
});
