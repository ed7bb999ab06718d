import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { tempDataDir } from '@offload/test-support';
import { newUploadKey } from '../keys';
import { createDbUploadRegistry } from './db-upload-registry';
import { openRecordDatabase, type RecordDatabase } from './open-database';

describe('createDbUploadRegistry', () => {
  let dir: { path: string; remove: () => Promise<void> };
  let database: RecordDatabase;

  beforeEach(async () => {
    dir = await tempDataDir('offload-uploads');
    database = await openRecordDatabase({ dataDir: dir.path });
  });

  afterEach(async () => {
    await database.close();
    await dir.remove();
  });

  it('records every upload of concurrent calls with its type, size and time', async () => {
    const uploads = createDbUploadRegistry(database, { now: () => 1_234 });
    const keys = Array.from({ length: 700 }, () => newUploadKey());

    await Promise.all(keys.map((key, size) => uploads.add({ key, content_type: 'text/csv', size })));

    const rows = await database.db.selectFrom('uploads').selectAll().orderBy('size').execute();
    expect(rows).toHaveLength(700);
    expect(rows[42]).toEqual({ key: keys[42], content_type: 'text/csv', size: 42, created_ms: 1_234 });
  });

  it('keeps the first row when one upload is recorded twice', async () => {
    const key = newUploadKey();
    await createDbUploadRegistry(database, { now: () => 1 }).add({ key, content_type: 'image/png', size: 1 });
    await createDbUploadRegistry(database, { now: () => 2 }).add({ key, content_type: 'image/png', size: 1 });

    expect(await database.db.selectFrom('uploads').select('created_ms').execute()).toEqual([{ created_ms: 1 }]);
  });

  it('refuses a key that is not an upload key', async () => {
    const uploads = createDbUploadRegistry(database);
    await expect(uploads.add({ key: `out_${'a'.repeat(32)}.png`, content_type: 'image/png', size: 1 })).rejects.toThrow('not an upload key');
    await expect(uploads.add({ key: '../etc/passwd', content_type: 'image/png', size: 1 })).rejects.toThrow('not a storage key');
  });
});
