import { STATUSES, TASK_TYPE_LIST, type TaskStatus, type TaskType } from './domain';

/** The Tasks page's filters: they combine (AND), and each list is any of its values (OR). */
export interface TaskFilters {
  statuses: TaskStatus[];
  taskTypes: TaskType[];
  /** RFC 3339, or '' for none. */
  createdAfter: string;
  createdBefore: string;
  /** Admins only; '' for every tenant. */
  tenant: string;
  /** A task id or the start of one; '' for none. */
  idPrefix: string;
}

export const NO_FILTERS: TaskFilters = { statuses: [], taskTypes: [], createdAfter: '', createdBefore: '', tenant: '', idPrefix: '' };

const ID_PREFIX = /^[0-9a-f-]{1,36}$/;

function listOf<T extends string>(raw: string | null, allowed: readonly T[]): T[] {
  if (raw === null || raw === '') return [];
  return [...new Set(raw.split(','))].filter((v): v is T => (allowed as readonly string[]).includes(v));
}

function validTime(raw: string | null): string {
  return raw !== null && !Number.isNaN(Date.parse(raw)) ? new Date(raw).toISOString() : '';
}

/**
 * Filters from the page's hash query (`#/tasks?status=failed&task_type=watermark`): what a link or
 * a reload restores. Unknown values are dropped rather than sent (the API would refuse them).
 */
export function filtersFromQuery(query: URLSearchParams): TaskFilters {
  const id = (query.get('id_prefix') ?? '').trim().toLowerCase();
  return {
    statuses: listOf(query.get('status'), STATUSES),
    taskTypes: listOf(query.get('task_type'), TASK_TYPE_LIST),
    createdAfter: validTime(query.get('created_after')),
    createdBefore: validTime(query.get('created_before')),
    tenant: (query.get('tenant') ?? '').trim(),
    idPrefix: ID_PREFIX.test(id) ? id : '',
  };
}

/** The same filters as the listing's query parameters (also the hash query of the page). */
export function filtersToQuery(filters: TaskFilters): URLSearchParams {
  const query = new URLSearchParams();
  if (filters.statuses.length > 0) query.set('status', filters.statuses.join(','));
  if (filters.taskTypes.length > 0) query.set('task_type', filters.taskTypes.join(','));
  if (filters.createdAfter !== '') query.set('created_after', filters.createdAfter);
  if (filters.createdBefore !== '') query.set('created_before', filters.createdBefore);
  if (filters.tenant !== '') query.set('tenant', filters.tenant);
  if (filters.idPrefix !== '') query.set('id_prefix', filters.idPrefix);
  return query;
}

/** What the search box holds: a whole id, the start of one, or a problem to show. */
export function parseIdSearch(raw: string): { kind: 'none' } | { kind: 'id'; id: string } | { kind: 'prefix'; prefix: string } | { kind: 'invalid'; message: string } {
  const value = raw.trim().toLowerCase();
  if (value === '') return { kind: 'none' };
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(value)) return { kind: 'id', id: value };
  if (ID_PREFIX.test(value)) return { kind: 'prefix', prefix: value };
  return { kind: 'invalid', message: 'a task id has only hex digits (0–9, a–f) and dashes' };
}

/** Whether a record belongs on a page with these filters (for live updates). */
export function matchesFilters(
  record: { id: string; status: TaskStatus; task_type: TaskType; created_at: string; tenant?: string | undefined },
  filters: TaskFilters,
): boolean {
  if (filters.statuses.length > 0 && !filters.statuses.includes(record.status)) return false;
  if (filters.taskTypes.length > 0 && !filters.taskTypes.includes(record.task_type)) return false;
  const created = Date.parse(record.created_at);
  if (filters.createdAfter !== '' && created < Date.parse(filters.createdAfter)) return false;
  if (filters.createdBefore !== '' && created >= Date.parse(filters.createdBefore)) return false;
  if (filters.tenant !== '' && record.tenant !== filters.tenant) return false;
  if (filters.idPrefix !== '' && !record.id.startsWith(filters.idPrefix)) return false;
  return true;
}
