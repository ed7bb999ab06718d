import { randomUUID, timingSafeEqual } from 'node:crypto';
import { API_KEY_SCOPES, TENANT_PATTERN, type ApiKeyScope } from '@offload/contracts';
import type { ApiKey, ApiKeyStore, NewApiKey } from '../storage';
import { ApiKeyNameTakenError, ApiKeySecretTakenError } from './api-key-errors';
import { API_KEY_NAME_PATTERN, API_KEY_PREFIX_LENGTH, hashApiKeySecret, isApiKeySecret, newApiKeySecret } from './api-key-secret';
import type { RecordDatabase } from './open-database';
import type { ApiKeysTable } from './schema';
import { guarded } from './store-errors';

export interface DbApiKeyStoreOptions {
  /** The clock of `createdAt` and `revokedAt`. @defaultValue Date.now */
  now?: () => number;
}

function isScope(value: string): value is ApiKeyScope {
  return (API_KEY_SCOPES as readonly string[]).includes(value);
}

/** The scopes in API_KEY_SCOPES order, once each; a scope this release does not know is dropped. */
function parseScopes(text: string): ApiKeyScope[] {
  const present = new Set(text.split(','));
  return API_KEY_SCOPES.filter((scope) => present.has(scope));
}

function fromRow(row: ApiKeysTable): ApiKey {
  return {
    id: row.id,
    name: row.name,
    tenant: row.tenant,
    scopes: parseScopes(row.scopes),
    prefix: row.prefix,
    createdAt: new Date(Number(row.created_ms)).toISOString(),
    ...(row.revoked_ms === null ? {} : { revokedAt: new Date(Number(row.revoked_ms)).toISOString() }),
    ...(row.rate_rps === null ? {} : { rateRps: Number(row.rate_rps) }),
    ...(row.rate_burst === null ? {} : { rateBurst: Number(row.rate_burst) }),
  };
}

/** Throws RangeError on a key `create` must refuse: callers validate first, this is the last guard. */
function assertValid(key: NewApiKey): void {
  if (!API_KEY_NAME_PATTERN.test(key.name)) throw new RangeError(`not an API key name: ${JSON.stringify(key.name)}`);
  if (!TENANT_PATTERN.test(key.tenant)) throw new RangeError(`not a tenant: ${JSON.stringify(key.tenant)}`);
  if (key.scopes.length === 0 || !key.scopes.every((s: string) => isScope(s))) {
    throw new RangeError(`scopes must be one or more of ${API_KEY_SCOPES.join(', ')}; got ${JSON.stringify(key.scopes)}`);
  }
  if (key.rateRps !== undefined && !(Number.isFinite(key.rateRps) && key.rateRps > 0)) throw new RangeError(`rateRps must be a positive number; got ${key.rateRps}`);
  if (key.rateBurst !== undefined && !(Number.isSafeInteger(key.rateBurst) && key.rateBurst >= 1)) {
    throw new RangeError(`rateBurst must be a positive integer; got ${key.rateBurst}`);
  }
  if (key.secret !== undefined && !isApiKeySecret(key.secret)) throw new RangeError('secret is not an API key secret (ofk_ and 43 base64url characters)');
}

/** API keys in the record database: each stored as SHA-256 of its secret, never the secret. */
export function createDbApiKeyStore(database: RecordDatabase, options: DbApiKeyStoreOptions = {}): ApiKeyStore {
  const { db } = database;
  const now = options.now ?? Date.now;

  return {
    create(key) {
      return guarded(async () => {
        assertValid(key);
        const secret = key.secret ?? newApiKeySecret();
        const row: ApiKeysTable = {
          id: randomUUID(),
          name: key.name,
          tenant: key.tenant,
          scopes: parseScopes(key.scopes.join(',')).join(','),
          key_hash: hashApiKeySecret(secret).toString('hex'),
          prefix: secret.slice(0, API_KEY_PREFIX_LENGTH),
          created_ms: now(),
          revoked_ms: null,
          rate_rps: key.rateRps ?? null,
          rate_burst: key.rateBurst ?? null,
        };
        // No conflict target: either unique column (name, key_hash) makes it a no-op, told apart below.
        const inserted = await db
          .insertInto('api_keys')
          .values(row)
          .onConflict((oc) => oc.doNothing())
          .executeTakeFirst();
        if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 1) return { key: fromRow(row), secret };
        const named = await db.selectFrom('api_keys').select('id').where('name', '=', key.name).executeTakeFirst();
        throw named === undefined ? new ApiKeySecretTakenError() : new ApiKeyNameTakenError(key.name);
      });
    },

    authenticate(secret) {
      if (!isApiKeySecret(secret)) return Promise.resolve(undefined);
      const hash = hashApiKeySecret(secret);
      return guarded(async () => {
        // The index lookup compares hashes, not secrets: how long it takes tells nothing usable of a secret.
        const row = await db.selectFrom('api_keys').selectAll().where('key_hash', '=', hash.toString('hex')).executeTakeFirst();
        if (row === undefined) return undefined;
        const stored = Buffer.from(row.key_hash, 'hex');
        if (stored.length !== hash.length || !timingSafeEqual(stored, hash) || row.revoked_ms !== null) return undefined;
        return fromRow(row);
      });
    },

    list() {
      return guarded(async () => {
        const rows = await db.selectFrom('api_keys').selectAll().execute();
        // Sorted here: PostgreSQL's collation would order mixed case unlike SQLite's.
        return rows.map(fromRow).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      });
    },

    revoke(name) {
      return guarded(async () => {
        const result = await db.updateTable('api_keys').set({ revoked_ms: now() }).where('name', '=', name).where('revoked_ms', 'is', null).executeTakeFirst();
        return Number(result.numUpdatedRows) === 1;
      });
    },

    countLive() {
      return guarded(async () => {
        const row = await db
          .selectFrom('api_keys')
          .select((eb) => eb.fn.countAll<number | string | bigint>().as('live'))
          .where('revoked_ms', 'is', null)
          .executeTakeFirstOrThrow();
        return Number(row.live);
      });
    },
  };
}
