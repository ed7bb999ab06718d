import type { ErrorCode } from '@offload/contracts';
import type { DeadLetterEntry } from '@offload/broker';
import { describeDeadLetter, type DeadLetterRow } from './entry';

/**
 * Which dead letters a command acts on: every one; those of the tasks with these ids (lower
 * case, as `list` shows them); or those whose row matches every field the filter names.
 */
export type DeadLetterSelection =
  | { kind: 'all' }
  | { kind: 'ids'; ids: readonly string[] }
  | { kind: 'filter'; task_type?: string | undefined; reason?: ErrorCode | undefined };

export const EVERY_DEAD_LETTER: DeadLetterSelection = { kind: 'all' };

/** How much of the queue one command takes. */
export interface DeadLetterReadOptions {
  /**
   * Entries one command takes from the queue at most, in queue order; the rest stay where they
   * are, unread, and the answer says `truncated`. @defaultValue every entry
   */
  maxEntries?: number;
}

/** A selected dead letter, with the row `list` shows for it. */
export interface SelectedDeadLetter {
  entry: DeadLetterEntry;
  row: DeadLetterRow;
}

export interface Selected {
  /** In queue order; every entry of a selected task (a task dead-lettered twice has two). */
  selected: SelectedDeadLetter[];
  /** The selected ids no entry belongs to, in the order given. */
  notFound: string[];
}

/** Picks the entries a selection names, by the id and fields `list` shows for each. */
export function selectDeadLetters(entries: readonly DeadLetterEntry[], selection: DeadLetterSelection): Selected {
  const wanted = new Set(selection.kind === 'ids' ? selection.ids : []);
  const matches = (row: DeadLetterRow): boolean => {
    switch (selection.kind) {
      case 'all':
        return true;
      case 'ids':
        return row.id !== null && wanted.has(row.id);
      case 'filter':
        return (selection.task_type === undefined || row.task_type === selection.task_type) && (selection.reason === undefined || row.reason === selection.reason);
    }
  };
  const seen = new Set<string>();
  const selected: SelectedDeadLetter[] = [];
  for (const entry of entries) {
    const row = describeDeadLetter(entry);
    if (!matches(row)) continue;
    if (row.id !== null) seen.add(row.id);
    selected.push({ entry, row });
  }
  return { selected, notFound: [...wanted].filter((id) => !seen.has(id)) };
}

/**
 * A selection in words, for a refusal that asks to confirm: "every dead letter in the queue",
 * "the dead letters of task <id>", "the dead letters whose task type is watermark". At most
 * `maxIds` ids are named, then how many more. @defaultValue maxIds: every id
 */
export function describeSelection(selection: DeadLetterSelection, maxIds: number = Number.POSITIVE_INFINITY): string {
  switch (selection.kind) {
    case 'all':
      return 'every dead letter in the queue';
    case 'ids': {
      const { ids } = selection;
      const named = ids.length > maxIds ? `${ids.slice(0, maxIds).join(', ')} and ${ids.length - maxIds} more` : ids.join(', ');
      return `the dead letters of ${ids.length === 1 ? 'task' : `${ids.length} tasks:`} ${named}`;
    }
    case 'filter': {
      const fields = [
        ...(selection.task_type === undefined ? [] : [`task type is ${selection.task_type}`]),
        ...(selection.reason === undefined ? [] : [`reason is ${selection.reason}`]),
      ];
      return fields.length === 0 ? 'every dead letter in the queue' : `the dead letters whose ${fields.join(' and ')}`;
    }
  }
}
