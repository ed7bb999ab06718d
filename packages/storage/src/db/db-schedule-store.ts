import { sql } from 'kysely';
import type { ScheduledMessage, ScheduleStore } from '../storage';
import type { RecordDatabase } from './open-database';
import { guarded } from './store-errors';
import { withWriteTransaction, type Executor } from './write-transaction';

/** Writes a scheduled task's message: in the transaction that creates its record. */
export async function insertScheduled(executor: Executor, messages: readonly ScheduledMessage[]): Promise<void> {
  if (messages.length === 0) return;
  await executor
    .insertInto('scheduled_tasks')
    .values(messages.map((m) => ({ task_id: m.taskId, due_ms: m.dueMs, lease_until_ms: 0, routing_key: m.routingKey, body: m.body, headers: JSON.stringify(m.headers) })))
    .onConflict((oc) => oc.column('task_id').doNothing())
    .execute();
}

function parseHeaders(text: string): Record<string, string> {
  const parsed: unknown = JSON.parse(text);
  if (parsed === null || typeof parsed !== 'object') return {};
  return Object.fromEntries(Object.entries(parsed).filter((e): e is [string, string] => typeof e[1] === 'string'));
}

/**
 * The schedule in the record database. A claim reads due rows and leases them in one write
 * transaction (SQLite: the file's write lock; PostgreSQL: `FOR UPDATE SKIP LOCKED`), so two API
 * processes never claim the same row at once.
 */
export function createDbScheduleStore(database: RecordDatabase): ScheduleStore {
  return {
    claimDue(nowMs, limit, leaseMs) {
      return guarded(() =>
        withWriteTransaction(database, async (trx) => {
          let query = trx
            .selectFrom('scheduled_tasks')
            .selectAll()
            .where('due_ms', '<=', nowMs)
            .where('lease_until_ms', '<=', nowMs)
            .orderBy('due_ms')
            .limit(limit);
          if (database.dialect === 'postgres') query = query.forUpdate().skipLocked();
          const rows = await query.execute();
          if (rows.length === 0) return [];
          await trx
            .updateTable('scheduled_tasks')
            .set({ lease_until_ms: nowMs + leaseMs })
            .where(
              'task_id',
              'in',
              rows.map((r) => r.task_id),
            )
            .execute();
          return rows.map((r): ScheduledMessage => ({ taskId: r.task_id, dueMs: r.due_ms, routingKey: r.routing_key, body: r.body, headers: parseHeaders(r.headers) }));
        }),
      );
    },
    nextDueMs() {
      return guarded(async () => {
        // A leased row is due again only when its lease ends (its publisher died).
        const row = await database.db
          .selectFrom('scheduled_tasks')
          .select(sql<number | null>`min(case when lease_until_ms > due_ms then lease_until_ms else due_ms end)`.as('next'))
          .executeTakeFirst();
        return row?.next === null || row?.next === undefined ? undefined : Number(row.next);
      });
    },
    async remove(taskIds) {
      if (taskIds.length === 0) return;
      await guarded(() => database.db.deleteFrom('scheduled_tasks').where('task_id', 'in', [...taskIds]).execute());
    },
    async replace(m) {
      await guarded(() =>
        database.db
          .insertInto('scheduled_tasks')
          .values({ task_id: m.taskId, due_ms: m.dueMs, lease_until_ms: 0, routing_key: m.routingKey, body: m.body, headers: JSON.stringify(m.headers) })
          .onConflict((oc) => oc.column('task_id').doUpdateSet({ due_ms: m.dueMs, lease_until_ms: 0, routing_key: m.routingKey, body: m.body, headers: JSON.stringify(m.headers) }))
          .execute(),
      );
    },
    count() {
      return guarded(async () => {
        const row = await database.db
          .selectFrom('scheduled_tasks')
          .select(({ fn }) => fn.countAll<number>().as('n'))
          .executeTakeFirst();
        return Number(row?.n ?? 0);
      });
    },
  };
}
