import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestDatabase, tempDataDir, type TestDatabase } from '@offload/test-support';
import type { ScheduledMessage } from '../storage';
import { createDbScheduleStore, insertScheduled } from './db-schedule-store';
import { openRecordDatabase, type RecordDatabase } from './open-database';

const message = (dueMs: number, taskId = randomUUID()): ScheduledMessage => ({ taskId, dueMs, routingKey: 'analysis', body: `{"id":"${taskId}"}`, headers: { traceparent: '00-abc-def-01' } });

describe.each([
  ['SQLite', false],
  ['PostgreSQL', true],
])('createDbScheduleStore on %s', (_name, postgres) => {
  let server: TestDatabase | undefined;
  let dir: { path: string; remove: () => Promise<void> };
  let database: RecordDatabase;

  beforeAll(async () => {
    server = postgres ? await createTestDatabase() : undefined;
    dir = await tempDataDir('offload-schedule');
    database = await openRecordDatabase({ dataDir: dir.path, ...(server === undefined ? {} : { url: server.url }) });
  });

  afterAll(async () => {
    await database.close();
    await server?.drop();
    await dir.remove();
  });

  it('hands out due messages once, under a lease, earliest first, and again once the lease ended', async () => {
    const schedule = createDbScheduleStore(database);
    const [early, late, future] = [message(1_000), message(2_000), message(9_000)];
    await insertScheduled(database.db, [late, future, early]);
    expect(await schedule.nextDueMs()).toBe(1_000);

    // Two claimers at once: each due message goes to one of them.
    const [a, b] = await Promise.all([schedule.claimDue(5_000, 10, 30_000), schedule.claimDue(5_000, 10, 30_000)]);
    const claimed = [...a, ...b];
    expect(claimed.map((m) => m.taskId).sort()).toEqual([early.taskId, late.taskId].sort());
    expect(claimed.find((m) => m.taskId === early.taskId)).toEqual(early);
    expect(await schedule.claimDue(6_000, 10, 30_000)).toEqual([]);
    // Leased until 35 000: the next due time is the unleased future one.
    expect(await schedule.nextDueMs()).toBe(9_000);
    expect((await schedule.claimDue(40_000, 10, 30_000)).map((m) => m.taskId).sort()).toEqual([early.taskId, late.taskId, future.taskId].sort());

    await schedule.remove([early.taskId, late.taskId, future.taskId]);
    expect(await schedule.count()).toBe(0);
    expect(await schedule.nextDueMs()).toBeUndefined();
  });

  it('replaces a task\'s message, unleased, and keeps the first of two inserts', async () => {
    const schedule = createDbScheduleStore(database);
    const first = message(1_000);
    await insertScheduled(database.db, [first]);
    await insertScheduled(database.db, [{ ...first, body: 'second' }]);
    expect((await schedule.claimDue(1_000, 10, 60_000))[0]?.body).toBe(first.body);
    await schedule.replace({ ...first, dueMs: 2_000, routingKey: '_callback', body: '{"task_id":"x"}', headers: {} });
    expect(await schedule.claimDue(2_000, 10, 60_000)).toEqual([{ taskId: first.taskId, dueMs: 2_000, routingKey: '_callback', body: '{"task_id":"x"}', headers: {} }]);
    await schedule.remove([first.taskId]);
  });
});
