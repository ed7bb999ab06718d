import { createHash, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestDatabase, tempDataDir, type TestDatabase } from '@offload/test-support';
import type { ApiKeyStore } from '../storage';
import { ApiKeyNameTakenError, ApiKeySecretTakenError } from './api-key-errors';
import { isApiKeySecret, newApiKeySecret } from './api-key-secret';
import { createDbApiKeyStore } from './db-api-key-store';
import { openRecordDatabase, type RecordDatabase } from './open-database';

const uniqueName = (label: string) => `${label}-${randomUUID().slice(0, 8)}`;

describe('newApiKeySecret and isApiKeySecret', () => {
  it('makes distinct secrets of one shape: ofk_ and 43 base64url characters', () => {
    const secrets = Array.from({ length: 200 }, () => newApiKeySecret());
    expect(new Set(secrets).size).toBe(200);
    for (const secret of secrets) {
      expect(secret).toMatch(/^ofk_[A-Za-z0-9_-]{43}$/);
      expect(isApiKeySecret(secret)).toBe(true);
    }
  });

  it('refuses anything else', () => {
    const good = newApiKeySecret();
    for (const bad of ['', 'ofk_', good.slice(0, -1), `${good}A`, `ofx_${good.slice(4)}`, `${good.slice(0, -1)}+`, ` ${good}`, `${good}\n`]) {
      expect(isApiKeySecret(bad)).toBe(false);
    }
  });
});

describe.each([
  ['SQLite', false],
  ['PostgreSQL', true],
])('API key store on %s', (_name, postgres) => {
  let server: TestDatabase | undefined;
  let dir: { path: string; remove: () => Promise<void> };
  let database: RecordDatabase;
  let keys: ApiKeyStore;
  let clock = 1_700_000_000_000;

  beforeAll(async () => {
    server = postgres ? await createTestDatabase() : undefined;
    dir = await tempDataDir('offload-api-keys');
    database = await openRecordDatabase({ dataDir: dir.path, ...(server === undefined ? {} : { url: server.url }) });
    keys = createDbApiKeyStore(database, { now: () => clock });
  });

  afterAll(async () => {
    await database.close();
    await server?.drop();
    await dir.remove();
  });

  it('creates a key, returns its secret once, and authenticates that secret as the key', async () => {
    const name = uniqueName('ci');
    const { key, secret } = await keys.create({ name, tenant: 'acme', scopes: ['tasks:read', 'tasks:write'] });

    expect(isApiKeySecret(secret)).toBe(true);
    expect(key).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      name,
      tenant: 'acme',
      scopes: ['tasks:write', 'tasks:read'],
      prefix: secret.slice(0, 12),
      createdAt: new Date(clock).toISOString(),
    });
    expect(await keys.authenticate(secret)).toEqual(key);
  });

  it('stores only the SHA-256 of the secret', async () => {
    const { key, secret } = await keys.create({ name: uniqueName('hashed'), tenant: 'acme', scopes: ['admin'] });
    const row = await database.db.selectFrom('api_keys').selectAll().where('id', '=', key.id).executeTakeFirstOrThrow();

    expect(row.key_hash).toBe(createHash('sha256').update(secret).digest('hex'));
    expect(Object.values(row).some((value) => typeof value === 'string' && value.includes(secret.slice(12)))).toBe(false);
  });

  it('authenticates no unknown, malformed or near-miss secret', async () => {
    const { secret } = await keys.create({ name: uniqueName('near'), tenant: 'acme', scopes: ['tasks:read'] });
    const flipped = `${secret.slice(0, 20)}${secret[20] === 'A' ? 'B' : 'A'}${secret.slice(21)}`;
    for (const attempt of [newApiKeySecret(), flipped, secret.toUpperCase(), '', 'Bearer x', secret.slice(0, 12)]) {
      expect(await keys.authenticate(attempt)).toBeUndefined();
    }
  });

  it('keeps a key’s own rate limit', async () => {
    const { key, secret } = await keys.create({ name: uniqueName('rated'), tenant: 't1', scopes: ['tasks:read'], rateRps: 0.1, rateBurst: 3 });
    expect(key).toMatchObject({ rateRps: 0.1, rateBurst: 3 });
    expect(await keys.authenticate(secret)).toMatchObject({ rateRps: 0.1, rateBurst: 3 });
  });

  it('revokes a key: it no longer authenticates, stays listed with the time, and cannot be revoked twice', async () => {
    const name = uniqueName('leaked');
    const { secret } = await keys.create({ name, tenant: 'acme', scopes: ['tasks:write'] });
    const live = await keys.countLive();
    clock += 5_000;

    expect(await keys.revoke(name)).toBe(true);
    expect(await keys.authenticate(secret)).toBeUndefined();
    expect(await keys.countLive()).toBe(live - 1);
    expect((await keys.list()).find((k) => k.name === name)).toMatchObject({ revokedAt: new Date(clock).toISOString() });
    expect(await keys.revoke(name)).toBe(false);
    expect(await keys.revoke(uniqueName('never-created'))).toBe(false);
  });

  it('refuses a name any key has, revoked or not', async () => {
    const name = uniqueName('taken');
    await keys.create({ name, tenant: 'acme', scopes: ['tasks:read'] });
    await expect(keys.create({ name, tenant: 'other', scopes: ['admin'] })).rejects.toThrow(ApiKeyNameTakenError);
    await keys.revoke(name);
    await expect(keys.create({ name, tenant: 'acme', scopes: ['tasks:read'] })).rejects.toThrow(ApiKeyNameTakenError);
  });

  it('takes a given secret (a bootstrap key), once', async () => {
    const secret = newApiKeySecret();
    const { key, secret: returned } = await keys.create({ name: uniqueName('bootstrap'), tenant: 'default', scopes: ['admin'], secret });

    expect(returned).toBe(secret);
    expect(await keys.authenticate(secret)).toEqual(key);
    await expect(keys.create({ name: uniqueName('again'), tenant: 'default', scopes: ['admin'], secret })).rejects.toThrow(ApiKeySecretTakenError);
    await expect(keys.create({ name: uniqueName('weak'), tenant: 'default', scopes: ['admin'], secret: 'hunter2' })).rejects.toThrow(RangeError);
  });

  it('refuses a bad name, tenant, scope list or limit', async () => {
    const good = { name: uniqueName('ok'), tenant: 'acme', scopes: ['tasks:read'] as const };
    for (const bad of [
      { ...good, name: '' },
      { ...good, name: 'has space' },
      { ...good, name: 'x'.repeat(65) },
      { ...good, tenant: 'Acme' },
      { ...good, scopes: [] },
      { ...good, rateRps: 0 },
      { ...good, rateBurst: 1.5 },
    ]) {
      await expect(keys.create(bad)).rejects.toThrow(RangeError);
    }
  });

  it('lists every key by name, never a secret', async () => {
    const names = ['b-list', 'A-list', 'a-list'].map((n) => `${n}-${randomUUID().slice(0, 4)}`);
    for (const name of names) await keys.create({ name, tenant: 'acme', scopes: ['tasks:read'] });
    const listed = (await keys.list()).map((k) => k.name);

    expect(listed).toEqual([...listed].sort());
    expect(listed).toEqual(expect.arrayContaining(names));
    for (const key of await keys.list()) expect(Object.keys(key).sort()).toEqual(expect.not.arrayContaining(['secret', 'keyHash', 'key_hash']));
  });
});
