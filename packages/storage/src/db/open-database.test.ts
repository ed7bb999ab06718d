import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sql } from 'kysely';
import pg from 'pg';
import { createTestDatabase, tempDataDir, waitUntil, type TestDatabase } from '@offload/test-support';
import { openRecordDatabase } from './open-database';
import { guarded, RecordStoreUnavailableError } from './store-errors';
import { withWriteTransaction } from './write-transaction';

describe('openRecordDatabase on PostgreSQL', () => {
  let postgres: TestDatabase;
  let dir: Awaited<ReturnType<typeof tempDataDir>>;
  beforeAll(async () => {
    postgres = await createTestDatabase();
    dir = await tempDataDir('offload-pg-open');
  });
  afterAll(async () => {
    await postgres.drop();
    await dir.remove();
  });

  it('reports the error of a session ended under a transaction, fails the transaction as unavailable and serves the next call', async () => {
    const errors: Error[] = [];
    const database = await openRecordDatabase({ dataDir: dir.path, url: postgres.url, onError: (err) => errors.push(err) });
    const admin = new pg.Client({ connectionString: postgres.url });
    await admin.connect();
    try {
      const transaction = withWriteTransaction(database, async (trx) => {
        const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(trx);
        await admin.query('select pg_terminate_backend($1)', [rows[0]?.pid]);
        // The server's goodbye reaches the connection while the transaction holds it and no
        // statement runs on it (as when PostgreSQL stops between two statements): without a
        // listener of its own on the client it would be an uncaught 'error' event.
        await waitUntil(() => errors.length > 0, { timeoutMs: 5_000, description: 'the connection error to be reported' });
        await sql`select 1`.execute(trx);
      });
      await expect(guarded(() => transaction)).rejects.toBeInstanceOf(RecordStoreUnavailableError);
      // 57P01 (admin_shutdown), then pg's "Connection terminated unexpectedly" as the socket closes.
      expect(Reflect.get(errors[0] ?? {}, 'code')).toBe('57P01');
      const { rows } = await sql<{ one: number }>`select 1 as one`.execute(database.db);
      expect(rows).toEqual([{ one: 1 }]);
    } finally {
      await admin.end();
      await database.close();
    }
  });
});
