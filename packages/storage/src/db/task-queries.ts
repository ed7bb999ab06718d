import { createHash } from 'node:crypto';
import { z } from 'zod';
import { TASK_STATUSES, TASK_TYPES, isTerminalStatus, type TaskRecord, type TaskStatus, type TaskType } from '@offload/contracts';
import { parseRecord } from '../record-change';
import type { RecordDatabase } from './open-database';
import { guarded } from './store-errors';

/** Statuses of a task that is not finished: what a tenant's cap counts. */
const ACTIVE_STATUSES: readonly TaskStatus[] = TASK_STATUSES.filter((s) => !isTerminalStatus(s));

/** Which tasks a listing or a count takes; every field narrows, and they combine. */
export interface TaskFilter {
  statuses?: readonly TaskStatus[];
  taskTypes?: readonly TaskType[];
  /** Created at or after. */
  createdAfter?: Date;
  /** Created before. */
  createdBefore?: Date;
  /** One tenant's tasks only (undefined: every tenant's). */
  tenant?: string;
  /** Tasks whose id starts with this (lower-case hex digits and dashes, as ids are stored). */
  idPrefix?: string;
}

export interface ListRequest extends TaskFilter {
  /** 1–200. */
  limit: number;
  /** The `next_cursor` of the previous page of the same query. */
  cursor?: string;
}

export interface TaskPage {
  tasks: TaskRecord[];
  /** Present when there may be more: pass it as `cursor` for the next page. */
  nextCursor?: string;
}

export type TaskCounts = { task_type: TaskType; status: TaskStatus; count: number }[];

/** A record with its row version, which every write bumps. */
export interface VersionedRecord {
  record: TaskRecord;
  version: number;
}

export interface TaskQueries {
  /** Newest first (by creation, then id), `limit` at a time. Throws InvalidCursorError. */
  list(request: ListRequest): Promise<TaskPage>;
  /** How many tasks there are per task type and status. */
  counts(filter?: Pick<TaskFilter, 'tenant'>): Promise<TaskCounts>;
  /** How many of the tenant's tasks are queued, processing or retrying, counting no further than `atMost`. */
  activeCount(tenant: string, atMost: number): Promise<number>;
  /**
   * One record and its row version, read from the database itself (never a process's cache), so
   * a reader in one process sees what a worker on another host wrote. Undefined when unknown.
   */
  recordVersion(id: string): Promise<VersionedRecord | undefined>;
}

/** A cursor that is not one this query handed out (altered, truncated, or from another query). */
export class InvalidCursorError extends Error {
  constructor(reason: string) {
    super(`the cursor is not valid for this query: ${reason}`);
    this.name = 'InvalidCursorError';
  }
}

const cursorSchema = z.strictObject({
  v: z.literal(1),
  /** created_ms of the last task of the page. */
  c: z.number().int().nonnegative(),
  /** id of the last task of the page. */
  i: z.uuid(),
  /** A hash of the filter it belongs to. */
  f: z.string().length(16),
});

function filterHash(filter: TaskFilter): string {
  const canonical = JSON.stringify([
    [...(filter.statuses ?? [])].sort(),
    [...(filter.taskTypes ?? [])].sort(),
    filter.createdAfter?.getTime() ?? null,
    filter.createdBefore?.getTime() ?? null,
    filter.tenant ?? null,
    filter.idPrefix ?? null,
  ]);
  return createHash('sha256').update(canonical).digest('base64url').slice(0, 16);
}

/** The position after `last`, bound to the query's filter. */
export function encodeCursor(last: { createdMs: number; id: string }, filter: TaskFilter): string {
  return Buffer.from(JSON.stringify({ v: 1, c: last.createdMs, i: last.id, f: filterHash(filter) })).toString('base64url');
}

export function decodeCursor(cursor: string, filter: TaskFilter): { createdMs: number; id: string } {
  if (!/^[A-Za-z0-9_-]{1,512}$/.test(cursor)) throw new InvalidCursorError('it is not a cursor this API issued');
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError('it is not a cursor this API issued');
  }
  const result = cursorSchema.safeParse(parsed);
  if (!result.success) throw new InvalidCursorError('it is not a cursor this API issued');
  if (result.data.f !== filterHash(filter)) throw new InvalidCursorError('it belongs to a query with other filters');
  return { createdMs: result.data.c, id: result.data.i };
}

/** The listing's order: newest first, ties by id, descending. */
function newestFirst(a: { created_ms: number; id: string }, b: { created_ms: number; id: string }): number {
  return b.created_ms - a.created_ms || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
}

/**
 * Listing and counting task records. Each listing is one indexed range scan: the filters pick an
 * index (see the migrations), and the cursor continues it from the last row of the previous page,
 * so a page costs the same at any depth and pages stay stable while tasks are added.
 */
export function createTaskQueries(database: RecordDatabase): TaskQueries {
  const { db } = database;
  return {
    async list(request) {
      const position = request.cursor === undefined ? undefined : decodeCursor(request.cursor, request);
      const scan = (statuses: readonly TaskStatus[] | undefined, taskTypes: readonly TaskType[] | undefined) => {
        let query = db.selectFrom('tasks').select(['id', 'created_ms', 'record']);
        if (request.tenant !== undefined) query = query.where('tenant', '=', request.tenant);
        if (statuses !== undefined && statuses.length > 0) query = query.where('status', 'in', [...statuses]);
        if (taskTypes !== undefined && taskTypes.length > 0) query = query.where('task_type', 'in', [...taskTypes]);
        if (request.idPrefix !== undefined) {
          // A range of the primary key (ids are lower-case hex and dashes, and 'g' sorts after
          // all of them), and LIKE for the exact rule under any collation.
          query = query.where('id', '>=', request.idPrefix).where('id', '<', `${request.idPrefix}g`).where('id', 'like', `${request.idPrefix}%`);
        }
        if (request.createdAfter !== undefined) query = query.where('created_ms', '>=', request.createdAfter.getTime());
        if (request.createdBefore !== undefined) query = query.where('created_ms', '<', request.createdBefore.getTime());
        if (position !== undefined) {
          query = query.where(({ or, and, eb }) =>
            or([eb('created_ms', '<', position.createdMs), and([eb('created_ms', '=', position.createdMs), eb('id', '<', position.id)])]),
          );
        }
        return query.orderBy('created_ms', 'desc').orderBy('id', 'desc').limit(request.limit + 1).execute();
      };
      return await guarded(async () => {
        // Several values of a filter (status=queued,failed) would make the database pick between
        // an index in page order over too many rows and a sort of every match (250 ms a page at
        // 1 M records for rare statuses): each combination of one status and one type is a range
        // scan of its own index instead, merged here, limit + 1 rows each.
        const statuses = request.statuses !== undefined && request.statuses.length > 1 ? request.statuses.map((s) => [s]) : [request.statuses];
        const taskTypes = request.taskTypes !== undefined && request.taskTypes.length > 1 ? request.taskTypes.map((t) => [t]) : [request.taskTypes];
        const scans = statuses.flatMap((s) => taskTypes.map((t) => scan(s, t)));
        const rows = scans.length === 1 ? await (scans[0] ?? scan(undefined, undefined)) : (await Promise.all(scans)).flat().sort(newestFirst).slice(0, request.limit + 1);
        const page = rows.slice(0, request.limit);
        const last = page.at(-1);
        return {
          tasks: page.map((row) => parseRecord(row.record)),
          ...(rows.length > request.limit && last !== undefined ? { nextCursor: encodeCursor({ createdMs: last.created_ms, id: last.id }, request) } : {}),
        };
      });
    },

    counts(filter = {}) {
      return guarded(async () => {
        let query = db.selectFrom('tasks').select(({ fn }) => ['task_type', 'status', fn.countAll<number | string>().as('count')]);
        if (filter.tenant !== undefined) query = query.where('tenant', '=', filter.tenant);
        const rows = await query.groupBy(['task_type', 'status']).execute();
        return rows
          .filter((row): row is typeof row & { task_type: TaskType; status: TaskStatus } => (TASK_TYPES as readonly string[]).includes(row.task_type) && (TASK_STATUSES as readonly string[]).includes(row.status))
          .map((row) => ({ task_type: row.task_type, status: row.status, count: Number(row.count) }));
      });
    },

    activeCount(tenant, atMost) {
      return guarded(async () => {
        // The limit bounds the work by the cap, not by how many the tenant has queued (an index
        // range scan of tasks_by_tenant_status).
        const row = await db
          .selectFrom((eb) =>
            eb.selectFrom('tasks').select('id').where('tenant', '=', tenant).where('status', 'in', [...ACTIVE_STATUSES]).limit(atMost).as('active'),
          )
          .select(({ fn }) => fn.countAll<number | string>().as('count'))
          .executeTakeFirst();
        return Number(row?.count ?? 0);
      });
    },

    recordVersion(id) {
      return guarded(async () => {
        const row = await db.selectFrom('tasks').select(['version', 'record']).where('id', '=', id).executeTakeFirst();
        return row === undefined ? undefined : { record: parseRecord(row.record), version: Number(row.version) };
      });
    },
  };
}
