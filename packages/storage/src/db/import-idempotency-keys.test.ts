import { createHash, randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { tempDataDir } from '@offload/test-support';
import { createDbIdempotencyStore } from './db-idempotency-store';
import { importIdempotencyKeys, type HashedIdempotencyEntry } from './import-idempotency-keys';
import { openRecordDatabase, type RecordDatabase } from './open-database';

const entry = (key: string, fingerprint = 'f'): HashedIdempotencyEntry => ({
  key_hash: createHash('sha256').update(key, 'utf8').digest('hex'),
  fingerprint,
  task_id: randomUUID(),
  created_at: new Date().toISOString(),
  expires_at: new Date(Date.now() + 60_000).toISOString(),
});

describe('importIdempotencyKeys', () => {
  let dir: { path: string; remove: () => Promise<void> };
  let database: RecordDatabase;

  beforeEach(async () => {
    dir = await tempDataDir('offload-import-keys');
    database = await openRecordDatabase({ dataDir: dir.path });
  });

  afterEach(async () => {
    await database.close();
    await dir.remove();
  });

  it('inserts the keys the database lacks, which then answer as if stored by a request', async () => {
    const first = entry('key-1');
    await expect(importIdempotencyKeys(database, [first, entry('key-2')], { dryRun: false })).resolves.toEqual({ imported: 2, present: 0 });

    const found = await createDbIdempotencyStore(database).exclusive('key-1', (live) => Promise.resolve({ value: live }));
    expect(found).toEqual({ fingerprint: first.fingerprint, task_id: first.task_id, created_at: first.created_at, expires_at: first.expires_at });
  });

  it('leaves a key the database has as it is', async () => {
    await importIdempotencyKeys(database, [entry('key-1', 'first')], { dryRun: false });

    await expect(importIdempotencyKeys(database, [entry('key-1', 'second'), entry('key-2')], { dryRun: false })).resolves.toEqual({ imported: 1, present: 1 });
    await expect(createDbIdempotencyStore(database).exclusive('key-1', (live) => Promise.resolve({ value: live?.fingerprint }))).resolves.toBe('first');
  });

  it('only counts on a dry run', async () => {
    await importIdempotencyKeys(database, [entry('key-1')], { dryRun: false });

    await expect(importIdempotencyKeys(database, [entry('key-1'), entry('key-2')], { dryRun: true })).resolves.toEqual({ imported: 1, present: 1 });
    expect(await database.db.selectFrom('idempotency_keys').select('key_hash').execute()).toHaveLength(1);
  });

  it('refuses a hash that is not 64 hex digits', async () => {
    await expect(importIdempotencyKeys(database, [{ ...entry('k'), key_hash: '../x' }], { dryRun: false })).rejects.toThrow('not a SHA-256 key hash');
  });
});
