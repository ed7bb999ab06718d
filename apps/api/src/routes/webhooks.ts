import { Router, type Request } from 'express';
import { z } from 'zod';
import { tenantSchema, toFieldProblems } from '@offload/contracts';
import type { WebhookSecretStore } from '@offload/storage';
import { callerTenant, isAdmin, needs } from '../access';
import { HttpProblem, validationProblem } from '../http-errors';

export interface WebhookRoutesDeps {
  webhookSecrets: WebhookSecretStore;
}

const querySchema = z.object({ tenant: tenantSchema.optional() });

/** The tenant whose secret is asked for: the caller's own; an admin may name another (`?tenant=`). */
function secretTenant(req: Request): string {
  const parsed = querySchema.safeParse(req.query);
  if (!parsed.success) throw validationProblem(toFieldProblems(parsed.error));
  const asked = parsed.data.tenant;
  const own = callerTenant(req);
  if (asked === undefined || asked === own) return own;
  if (!isAdmin(req)) throw new HttpProblem('forbidden', 'only an admin key may read or rotate another tenant’s webhook secret');
  return asked;
}

/**
 * `GET /v1/webhooks/secret` (tasks:read) and `POST /v1/webhooks/secret/rotate` (tasks:write):
 * the tenant's Standard Webhooks secret (`whsec_…`), which signs every webhook of its tasks.
 */
export function webhookRoutes(deps: WebhookRoutesDeps): Router {
  const router = Router();

  router.get('/v1/webhooks/secret', needs('tasks:read'), async (req, res) => {
    const tenant = secretTenant(req);
    res.json({ tenant, secret: await deps.webhookSecrets.secretFor(tenant) });
  });

  // Deliveries signed before the rotation and retried after it carry the new signature: each
  // attempt is signed when it is sent.
  router.post('/v1/webhooks/secret/rotate', needs('tasks:write'), async (req, res) => {
    const tenant = secretTenant(req);
    res.json({ tenant, secret: await deps.webhookSecrets.rotate(tenant) });
  });

  return router;
}
