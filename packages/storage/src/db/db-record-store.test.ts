import { afterAll, beforeAll } from '@jest/globals';
import { createTestDatabase, tempDataDir, type TestDatabase } from '@offload/test-support';
import { describeRecordStore } from '../../test/record-store-contract';
import { createDbRecordStore } from './db-record-store';
import { openRecordDatabase } from './open-database';

describeRecordStore('SQLite in DATA_DIR', async () => {
  const dir = await tempDataDir('offload-sqlite');
  const database = await openRecordDatabase({ dataDir: dir.path });
  return {
    records: createDbRecordStore(database),
    dispose: async () => {
      await database.close();
      await dir.remove();
    },
  };
});

let postgres: TestDatabase;
beforeAll(async () => {
  postgres = await createTestDatabase();
});
afterAll(async () => {
  await postgres.drop();
});

describeRecordStore('PostgreSQL', async () => {
  const dir = await tempDataDir('offload-pg');
  const database = await openRecordDatabase({ dataDir: dir.path, url: postgres.url });
  await database.db.deleteFrom('tasks').execute();
  return {
    records: createDbRecordStore(database),
    dispose: async () => {
      await database.close();
      await dir.remove();
    },
  };
});
