import { z } from 'zod';
import { TASK_STATUSES, TASK_TYPES, tenantSchema, type TaskRecord } from '@offload/contracts';
import type { ListRequest, TaskFilter, TaskPage } from '@offload/storage';
import { validationProblem, type HttpProblem } from './http-errors';
import { parseQuery } from './query-params';

/** Tasks per page when the query names no `limit`. */
export const LIST_LIMIT_DEFAULT = 50;
export const LIST_LIMIT_MAX = 200;

/** A parameter given more than once where one value is allowed reaches us as an array. */
const single = z.string({ error: (issue) => (Array.isArray(issue.input) ? 'is given more than once; give it once' : 'must be a string') });

/** One value, a comma-separated list, or the parameter repeated; every value one of `allowed`. */
function oneOrMany<T extends string>(allowed: readonly T[]) {
  return z.union([z.string(), z.array(z.string())]).transform((raw, ctx): T[] => {
    const values = [raw].flat().flatMap((v) => v.split(',')).map((v) => v.trim());
    if (values.some((v) => v === '')) {
      ctx.addIssue({ code: 'custom', message: `has an empty value; expected one or more of ${allowed.join(', ')}` });
      return z.NEVER;
    }
    const unknown = values.filter((v) => !(allowed as readonly string[]).includes(v));
    if (unknown.length > 0) {
      ctx.addIssue({ code: 'custom', message: `${unknown.map((v) => JSON.stringify(v.slice(0, 64))).join(', ')} is not one of ${allowed.join(', ')}` });
      return z.NEVER;
    }
    return [...new Set(values)] as T[];
  });
}

const timestamp = single
  .pipe(z.iso.datetime({ offset: true, error: 'must be an RFC 3339 date-time with an offset, such as 2026-05-01T12:00:00Z or 2026-05-01T14:00:00+02:00' }))
  .transform((value) => new Date(value));

/**
 * `GET /v1/tasks`'s query. Every parameter is checked, and an unknown one is an error: a typo
 * (`stauts=failed`) must not quietly list everything. `tenant` is a filter for admins; what a
 * caller may see comes from `tenantScope`, never from this schema.
 */
export const taskListQuerySchema = z
  .strictObject({
    status: oneOrMany(TASK_STATUSES).optional(),
    task_type: oneOrMany(TASK_TYPES).optional(),
    created_after: timestamp.optional(),
    created_before: timestamp.optional(),
    limit: single
      .regex(/^\d{1,6}$/, `must be a whole number from 1 to ${LIST_LIMIT_MAX}`)
      .transform(Number)
      .pipe(z.number().int().min(1, 'must be at least 1').max(LIST_LIMIT_MAX, `must be at most ${LIST_LIMIT_MAX}`))
      .default(LIST_LIMIT_DEFAULT),
    cursor: single.min(1, 'must not be empty').optional(),
    tenant: single.pipe(tenantSchema).optional(),
    id_prefix: single
      .regex(/^[0-9a-fA-F-]{1,36}$/, 'must be the start of a task id: 1 to 36 hex digits and dashes')
      .transform((value) => value.toLowerCase())
      .optional(),
  })
  .superRefine((query, ctx) => {
    if (query.created_after !== undefined && query.created_before !== undefined && query.created_after >= query.created_before) {
      ctx.addIssue({ code: 'custom', path: ['created_before'], message: 'must be later than created_after' });
    }
  });

export type TaskListQuery = z.output<typeof taskListQuerySchema>;

/** The query of a request (Express's simple parser: strings, arrays of strings for repeats), or a 422. */
export function parseTaskListQuery(query: unknown): TaskListQuery {
  return parseQuery(taskListQuerySchema, query);
}

/** What storage is asked for: the query's filters narrowed by what the caller may see. */
export function toListRequest(query: TaskListQuery, scope: Pick<TaskFilter, 'tenant'>): ListRequest {
  return {
    statuses: query.status,
    taskTypes: query.task_type,
    createdAfter: query.created_after,
    createdBefore: query.created_before,
    limit: query.limit,
    cursor: query.cursor,
    idPrefix: query.id_prefix,
    ...scope,
  };
}

/** A cursor storage refused: altered, truncated, or from a query with other filters. */
export function isInvalidCursor(err: unknown): err is Error {
  // By name too: the error may come from another copy of the storage package.
  return err instanceof Error && err.name === 'InvalidCursorError';
}

export function invalidCursorProblem(err: Error): HttpProblem {
  return validationProblem([{ path: 'query.cursor', message: err.message, code: 'invalid_cursor' }], 'the query failed validation');
}

/** The query string of the next page: the same filters, in one canonical form, and its cursor. */
function nextPageLink(query: TaskListQuery, cursor: string): string {
  const params = new URLSearchParams();
  if (query.status !== undefined) params.set('status', query.status.join(','));
  if (query.task_type !== undefined) params.set('task_type', query.task_type.join(','));
  if (query.created_after !== undefined) params.set('created_after', query.created_after.toISOString());
  if (query.created_before !== undefined) params.set('created_before', query.created_before.toISOString());
  if (query.tenant !== undefined) params.set('tenant', query.tenant);
  if (query.id_prefix !== undefined) params.set('id_prefix', query.id_prefix);
  params.set('limit', String(query.limit));
  params.set('cursor', cursor);
  // Commas separate values; left as they are, the link stays readable.
  return `/v1/tasks?${params.toString().replaceAll('%2C', ',')}`;
}

export interface TaskListBody {
  tasks: TaskRecord[];
  /** Absent on the last page. */
  next_cursor?: string;
  links?: { next: string };
}

export function taskListBody(query: TaskListQuery, page: TaskPage): TaskListBody {
  if (page.nextCursor === undefined) return { tasks: page.tasks };
  return { tasks: page.tasks, next_cursor: page.nextCursor, links: { next: nextPageLink(query, page.nextCursor) } };
}
