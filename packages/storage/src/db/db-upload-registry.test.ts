import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestDatabase, tempDataDir, type TestDatabase } from '@offload/test-support';
import { newUploadKey } from '../keys';
import { createDbUploadRegistry } from './db-upload-registry';
import { openRecordDatabase, type RecordDatabase } from './open-database';

describe.each([
  ['SQLite', false],
  ['PostgreSQL', true],
])('createDbUploadRegistry on %s', (_name, postgres) => {
  let server: TestDatabase | undefined;
  let dir: { path: string; remove: () => Promise<void> };
  let database: RecordDatabase;

  beforeAll(async () => {
    server = postgres ? await createTestDatabase() : undefined;
    dir = await tempDataDir('offload-uploads');
    database = await openRecordDatabase({ dataDir: dir.path, ...(server === undefined ? {} : { url: server.url }) });
  });

  afterAll(async () => {
    await database.close();
    await server?.drop();
    await dir.remove();
  });

  it('records every upload of concurrent calls with its type, size, time and tenant', async () => {
    const uploads = createDbUploadRegistry(database, { now: () => 1_234 });
    const keys = Array.from({ length: 700 }, () => newUploadKey());

    await Promise.all(keys.map((key, size) => uploads.add({ key, content_type: 'text/csv', size })));

    const rows = await database.db.selectFrom('uploads').selectAll().where('created_ms', '=', 1_234).orderBy('size').execute();
    expect(rows).toHaveLength(700);
    expect(rows[42]).toEqual({ key: keys[42], content_type: 'text/csv', size: 42, created_ms: 1_234, tenant: 'default' });
  });

  it('keeps the first row when one upload is recorded twice', async () => {
    const key = newUploadKey();
    await createDbUploadRegistry(database, { now: () => 1 }).add({ key, content_type: 'image/png', size: 1, tenant: 'first' });
    await createDbUploadRegistry(database, { now: () => 2 }).add({ key, content_type: 'image/png', size: 1, tenant: 'second' });

    expect(await database.db.selectFrom('uploads').select(['created_ms', 'tenant']).where('key', '=', key).execute()).toEqual([{ created_ms: 1, tenant: 'first' }]);
  });

  it('answers the tenant of each upload it knows, and leaves the others out', async () => {
    const uploads = createDbUploadRegistry(database);
    const [acme, globex, unknown] = [newUploadKey(), newUploadKey(), newUploadKey()];
    await Promise.all([uploads.add({ key: acme, content_type: 'image/png', size: 1, tenant: 'acme' }), uploads.add({ key: globex, content_type: 'image/png', size: 1, tenant: 'globex' })]);

    expect(await uploads.tenantsOf([acme, globex, unknown, acme])).toEqual(
      new Map([
        [acme, 'acme'],
        [globex, 'globex'],
      ]),
    );
    expect(await uploads.tenantsOf([])).toEqual(new Map());
  });

  it('looks up more keys than one statement takes', async () => {
    const uploads = createDbUploadRegistry(database);
    const keys = Array.from({ length: 1_200 }, () => newUploadKey());
    await Promise.all(keys.map((key) => uploads.add({ key, content_type: 'text/csv', size: 1, tenant: 'many' })));

    const tenants = await uploads.tenantsOf(keys);
    expect(tenants.size).toBe(1_200);
    expect(new Set(tenants.values())).toEqual(new Set(['many']));
  });

  it('refuses a key that is not an upload key, and a tenant that is not one', async () => {
    const uploads = createDbUploadRegistry(database);
    await expect(uploads.add({ key: `out_${'a'.repeat(32)}.png`, content_type: 'image/png', size: 1 })).rejects.toThrow('not an upload key');
    await expect(uploads.add({ key: '../etc/passwd', content_type: 'image/png', size: 1 })).rejects.toThrow('not a storage key');
    await expect(uploads.add({ key: newUploadKey(), content_type: 'image/png', size: 1, tenant: 'Not A Tenant' })).rejects.toThrow('not a tenant');
  });
});
