import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import { createTestDatabase, tempDataDir, type TestDatabase } from '@offload/test-support';
import { migrationProvider } from './migrations';
import { openRecordDatabase, SQLITE_FILE } from './open-database';

/** A database as a release of migration 0003 left it. */
async function migrateTo0003(db: Kysely<unknown>): Promise<void> {
  const all = await migrationProvider.getMigrations();
  const upTo0003 = Object.fromEntries(Object.entries(all).filter(([name]) => name <= '0003_uploads'));
  const { error } = await new Migrator({ db, provider: { getMigrations: () => Promise.resolve(upTo0003) } }).migrateToLatest();
  if (error !== undefined) throw error;
}

describe.each([
  ['SQLite', false],
  ['PostgreSQL', true],
])('migration 0004 on %s', (_name, postgres) => {
  let server: TestDatabase | undefined;
  let dir: { path: string; remove: () => Promise<void> };

  beforeAll(async () => {
    server = postgres ? await createTestDatabase() : undefined;
    dir = await tempDataDir('offload-migration-0004');
  });

  afterAll(async () => {
    await server?.drop();
    await dir.remove();
  });

  it('keeps the uploads of a database at 0003, each of tenant default, and adds the key and rate tables', async () => {
    const old = new Kysely<unknown>({
      dialect:
        server === undefined
          ? new SqliteDialect({ database: new BetterSqlite3(join(dir.path, SQLITE_FILE)) })
          : new PostgresDialect({ pool: new pg.Pool({ connectionString: server.url, max: 1 }) }),
    });
    await migrateTo0003(old);
    await sql`insert into uploads (key, content_type, size, created_ms) values ('up_a', 'image/png', 5, 10), ('up_b', 'text/csv', 7, 20)`.execute(old);
    await old.destroy();

    const database = await openRecordDatabase({ dataDir: dir.path, ...(server === undefined ? {} : { url: server.url }) });
    try {
      expect(await database.db.selectFrom('uploads').selectAll().orderBy('key').execute()).toEqual([
        { key: 'up_a', content_type: 'image/png', size: 5, created_ms: 10, tenant: 'default' },
        { key: 'up_b', content_type: 'text/csv', size: 7, created_ms: 20, tenant: 'default' },
      ]);
      expect(await database.db.selectFrom('api_keys').selectAll().execute()).toEqual([]);
      expect(await database.db.selectFrom('rate_limits').selectAll().execute()).toEqual([]);
      if (database.dialect === 'postgres') {
        // Unlogged: a rate decision commits without a WAL flush.
        const { rows } = await sql<{ relpersistence: string }>`select relpersistence from pg_class where relname = 'rate_limits'`.execute(database.db);
        expect(rows).toEqual([{ relpersistence: 'u' }]);
      }
    } finally {
      await database.close();
    }
  });
});
