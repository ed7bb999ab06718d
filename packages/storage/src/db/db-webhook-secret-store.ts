import { randomBytes } from 'node:crypto';
import type { WebhookSecretStore } from '../storage';
import type { RecordDatabase } from './open-database';
import { guarded } from './store-errors';

/** A Standard Webhooks secret: `whsec_` and the base64 of 32 random bytes. */
function newSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/** Webhook secrets in the record database: made on first use, so API and workers agree on them. */
export function createDbWebhookSecretStore(database: RecordDatabase): WebhookSecretStore {
  return {
    secretFor(tenant) {
      return guarded(async () => {
        await database.db
          .insertInto('webhook_secrets')
          .values({ tenant, secret: newSecret(), created_ms: Date.now() })
          .onConflict((oc) => oc.column('tenant').doNothing())
          .execute();
        const row = await database.db.selectFrom('webhook_secrets').select('secret').where('tenant', '=', tenant).executeTakeFirstOrThrow();
        return row.secret;
      });
    },
    rotate(tenant) {
      return guarded(async () => {
        const secret = newSecret();
        await database.db
          .insertInto('webhook_secrets')
          .values({ tenant, secret, created_ms: Date.now() })
          .onConflict((oc) => oc.column('tenant').doUpdateSet({ secret, created_ms: Date.now() }))
          .execute();
        return secret;
      });
    },
  };
}
