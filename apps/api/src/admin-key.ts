import { DEFAULT_TENANT } from '@offload/contracts';
import type { ApiKeyStore } from '@offload/storage';
import type { Logger } from '@offload/telemetry';

/** A bootstrap admin key's name: its secret's first characters tell two of them apart. */
const adminKeyName = (secret: string) => `admin-${secret.slice(4, 12)}`;

export type AdminKeyOutcome = { kind: 'exists' } | { kind: 'created'; name: string; secret: string } | { kind: 'present'; name: string };

/**
 * At start, with auth on: the admin key from `ADMIN_API_KEY` (a Secret) is made sure to exist;
 * without one, an empty key store gets a new admin key, which is returned to be shown once. Two
 * processes starting on one empty store both try; the name is unique, so one key is made and the
 * other process finds the store no longer empty.
 */
export async function ensureAdminKey(keys: ApiKeyStore, configured: string | undefined): Promise<AdminKeyOutcome> {
  if (configured !== undefined) {
    if ((await keys.authenticate(configured)) !== undefined) return { kind: 'exists' };
    const name = adminKeyName(configured);
    await createUnlessRaced(keys, name, configured);
    return { kind: 'present', name };
  }
  if ((await keys.countLive()) > 0) return { kind: 'exists' };
  for (const name of ['admin', `admin-${Date.now().toString(36)}`]) {
    try {
      const { key, secret } = await keys.create({ name, tenant: DEFAULT_TENANT, scopes: ['admin'] });
      return { kind: 'created', name: key.name, secret };
    } catch (err) {
      // Another process starting on the same empty store made it a moment ago; or every key was
      // revoked and a revoked one holds the name: then the next name.
      if (!isNameTaken(err)) throw err;
      if ((await keys.countLive()) > 0) return { kind: 'exists' };
    }
  }
  throw new Error('could not name a first admin key: create one with npm run keys -- create --name NAME --tenant default --scopes admin');
}

async function createUnlessRaced(keys: ApiKeyStore, name: string, secret: string): Promise<void> {
  try {
    await keys.create({ name, tenant: DEFAULT_TENANT, scopes: ['admin'], secret });
  } catch (err) {
    if (!isNameTaken(err) || (await keys.authenticate(secret)) === undefined) throw err;
  }
}

function isNameTaken(err: unknown): boolean {
  return err instanceof Error && err.name === 'ApiKeyNameTakenError';
}

/** What start-up says about access: loudly when the API is open, once with a new key's secret. */
export function reportAccess(logger: Logger, auth: 'on' | 'off', outcome: AdminKeyOutcome | undefined, port: number): void {
  if (auth === 'off') {
    logger.warn('AUTH=off: every request is served as an admin of the default tenant, with no API key. This API listens on a loopback address only; never expose it.');
    process.stderr.write('offload: AUTH=off: the API is OPEN to anything on this machine (it listens on loopback only); unset AUTH to require API keys\n');
    return;
  }
  if (outcome?.kind !== 'created') return;
  logger.warn({ api_key_name: outcome.name }, 'the key store was empty: created an admin API key, printed once on stderr');
  // Each line starts like npm start's own (offload: …), on stderr, away from the JSON logs.
  process.stderr.write(
    [
      `offload: created the first API key, "${outcome.name}" (scope admin); it is shown this once, keep it:`,
      `offload:     ${outcome.secret}`,
      `offload: use it as: curl -H "Authorization: Bearer $KEY" http://localhost:${port}/v1/tasks`,
      `offload: or sign in with it to the console: http://localhost:${port}/console/`,
      'offload: more keys: npm run --silent keys -- create --name NAME --tenant TENANT --scopes tasks:write,tasks:read',
    ].join('\n') + '\n',
  );
}
