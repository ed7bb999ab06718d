import { formatTable } from '@offload/config';
import type { DeadLetterRow, PurgeOutcome, RedriveOutcome } from '@offload/dead-letters';

/** Longest error shown in the table; `--json` carries the whole text. */
const ERROR_COLUMN_MAX = 100;

/**
 * Control characters (C0, DEL, C1) and bidirectional overrides: text from a message or a header
 * must not move the cursor, recolour or reorder the terminal it is printed to.
 */
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * One line of printable text: whitespace (newlines included) collapsed, other control characters
 * shown as `\uFFFD`, cut at `max` characters.
 */
export function oneLine(text: string, max: number = ERROR_COLUMN_MAX): string {
  const flat = text.replace(/\s+/g, ' ').replace(UNPRINTABLE, '\uFFFD').trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}

/** `dlq list`: one line per dead letter, then a count. */
export function formatDeadLetters(rows: readonly DeadLetterRow[], queue: string): string {
  if (rows.length === 0) return `no dead letters in ${queue}`;
  const table = formatTable(
    ['ID', 'TASK TYPE', 'REASON', 'ATTEMPTS', 'DEAD-LETTERED AT', 'ERROR'],
    rows.map((row) => [
      row.id ?? '-',
      row.task_type ?? '-',
      row.reason,
      row.attempts === null ? '-' : String(row.attempts),
      row.dead_lettered_at ?? '-',
      oneLine(row.decodable ? row.error : `(cannot be re-driven) ${row.error}`),
    ]),
  );
  return `${table}\n\n${rows.length} dead letter${rows.length === 1 ? '' : 's'} in ${queue}`;
}

/** `dlq list --json`: the rows as a JSON array. */
export function formatDeadLettersJson(rows: readonly DeadLetterRow[]): string {
  return JSON.stringify(rows, null, 2);
}

function describeOutcome(outcome: RedriveOutcome, queue: string): [string, string, string] {
  switch (outcome.kind) {
    case 'redriven':
      return ['re-driven', outcome.id, outcome.entry_kept ? `${outcome.task_type}; its dead letter is still listed (channel closed before the ack)` : outcome.task_type];
    case 'already_succeeded':
      return ['already succeeded', outcome.id, 'not run again; removed from the dead-letter queue'];
    case 'duplicate':
      return ['duplicate', outcome.id, 'another dead letter of a task handled above; removed'];
    case 'active':
      return ['left', outcome.id, `the task is ${outcome.status}, not failed; not re-driven`];
    case 'undecodable':
      return ['left', outcome.id ?? '-', oneLine(`not a valid task message: ${outcome.message}`)];
    case 'unsigned':
      return ['left', outcome.id, oneLine(`not re-driven, invalid signature: ${outcome.message}`)];
    case 'failed':
      return ['left', outcome.id, oneLine(outcome.message)];
    case 'not_found':
      return ['not found', outcome.id, `not in ${queue}`];
  }
}

/** `dlq redrive`: one line per selected dead letter, then the summary. */
export function formatRedriveReport(outcomes: readonly RedriveOutcome[], queue: string): string {
  const count = (...kinds: RedriveOutcome['kind'][]) => outcomes.filter((o) => kinds.includes(o.kind)).length;
  let summary = `re-driven ${count('redriven')}, skipped ${count('already_succeeded')} (already succeeded), not found ${count('not_found')}`;
  const duplicates = count('duplicate');
  const left = count('active', 'undecodable', 'unsigned', 'failed');
  if (duplicates > 0) summary += `, duplicates removed ${duplicates}`;
  if (left > 0) summary += `, left in the dead-letter queue ${left}`;
  if (outcomes.length === 0) return `no dead letters in ${queue}\n${summary}`;
  return `${formatTable(['OUTCOME', 'ID', 'DETAIL'], outcomes.map((o) => describeOutcome(o, queue)))}\n\n${summary}`;
}

function describePurgeOutcome(outcome: PurgeOutcome, queue: string): [string, string, string, string] {
  switch (outcome.kind) {
    case 'purged':
      return ['purged', outcome.id ?? '-', outcome.task_type ?? '-', outcome.reason];
    case 'left':
      return ['left', outcome.id ?? '-', outcome.task_type ?? '-', `${outcome.reason}; still in ${queue} (the channel closed before the ack)`];
    case 'unconfirmed':
      return ['unconfirmed', outcome.id ?? '-', outcome.task_type ?? '-', `${outcome.reason}; the channel closed before the broker confirmed: list to check`];
    case 'not_found':
      return ['not found', outcome.id, '-', `not in ${queue}`];
  }
}

/** `dlq purge`: one line per selected dead letter, then the summary with the ids not found. */
export function formatPurgeReport(outcomes: readonly PurgeOutcome[], queue: string): string {
  const count = (kind: PurgeOutcome['kind']) => outcomes.filter((o) => o.kind === kind).length;
  const notFound = outcomes.flatMap((o) => (o.kind === 'not_found' ? [o.id] : []));
  let summary = `purged ${count('purged')}, not found ${notFound.length}`;
  if (notFound.length > 0) summary += ` (${notFound.join(', ')})`;
  if (count('left') > 0) summary += `, left in the dead-letter queue ${count('left')}`;
  if (count('unconfirmed') > 0) summary += `, unconfirmed ${count('unconfirmed')}`;
  if (count('purged') + count('unconfirmed') > 0) summary += '\ntask records are unchanged: a purged task stays failed, with its error';
  if (outcomes.length === 0) return `no dead letters in ${queue}\n${summary}`;
  return `${formatTable(['OUTCOME', 'ID', 'TASK TYPE', 'DETAIL'], outcomes.map((o) => describePurgeOutcome(o, queue)))}\n\n${summary}`;
}
