import type { TaskStatus } from '../lib/domain';

/** A task's status as a word with a colour; the word carries the meaning, not the colour alone. */
export function StatusBadge({ status }: { status: TaskStatus }) {
  return (
    <span class={`badge badge-${status}`} data-status={status}>
      {status}
    </span>
  );
}
