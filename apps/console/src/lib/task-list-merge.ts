import { matchesFilters, type TaskFilters } from './task-filters';
import type { TaskRecord } from './domain';

/** The newest first order of the listing: creation time, then id, both descending. */
function newestFirst(a: TaskRecord, b: TaskRecord): number {
  return Date.parse(b.created_at) - Date.parse(a.created_at) || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
}

/**
 * The rows shown after live changes arrive. A row shown is replaced by its newer record, or
 * removed when it no longer matches the filters (a `failed` filter and a re-driven task). A new
 * record that matches enters in its place in the order, but only on the first page and only if it
 * is newer than the last row shown (older ones belong to pages not loaded). `max` caps the rows.
 */
export function mergeChanges(shown: readonly TaskRecord[], changes: readonly TaskRecord[], filters: TaskFilters, options: { firstPage: boolean; max: number }): TaskRecord[] {
  const byId = new Map(shown.map((r) => [r.id, r]));
  const last = shown.at(-1);
  for (const record of changes) {
    const present = byId.has(record.id);
    if (!matchesFilters(record, filters)) {
      if (present) byId.delete(record.id);
      continue;
    }
    if (present) {
      const before = byId.get(record.id);
      if (before !== undefined && Date.parse(record.updated_at) >= Date.parse(before.updated_at)) byId.set(record.id, record);
      continue;
    }
    if (options.firstPage && (last === undefined || newestFirst(record, last) < 0 || shown.length < options.max)) byId.set(record.id, record);
  }
  return [...byId.values()].sort(newestFirst).slice(0, Math.max(options.max, shown.length));
}
