import { sql, type Kysely, type Transaction } from 'kysely';
import type { RecordDatabase } from './open-database';
import type { Database } from './schema';

/** What a transaction body works with: the same query builder, on the transaction's connection. */
export type Executor = Kysely<Database> | Transaction<Database>;

/**
 * Runs `fn` in one transaction that writes. SQLite: `BEGIN IMMEDIATE`, so the write lock is
 * taken up front and waits (busy_timeout) for another process's writer, instead of a read lock that
 * fails to upgrade with SQLITE_BUSY mid-transaction. PostgreSQL: a plain transaction.
 */
export async function withWriteTransaction<T>(database: RecordDatabase, fn: (trx: Executor) => Promise<T>): Promise<T> {
  if (database.dialect === 'postgres') return database.db.transaction().execute(fn);
  return withSqliteWriteLock(database.db, fn);
}

/** Runs `fn` on one SQLite connection inside `BEGIN IMMEDIATE`: no other process writes until it ends. */
export async function withSqliteWriteLock<T>(db: Kysely<Database>, fn: (connection: Kysely<Database>) => Promise<T>): Promise<T> {
  return db.connection().execute(async (connection) => {
    await sql`begin immediate`.execute(connection);
    try {
      const result = await fn(connection);
      await sql`commit`.execute(connection);
      return result;
    } catch (err) {
      await sql`rollback`.execute(connection).catch(() => undefined);
      throw err;
    }
  });
}
