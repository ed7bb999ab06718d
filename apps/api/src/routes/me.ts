import { Router } from 'express';
import { API_KEY_SCOPES } from '@offload/contracts';
import { callerOf } from '../caller';

/**
 * `GET /v1/me`: who the key is (name, tenant, scopes). Any valid key may ask; the console signs in
 * with it and shows only the actions the key's scopes allow (the routes check them anyway).
 */
export function meRoutes(): Router {
  const router = Router();
  router.get('/v1/me', (req, res) => {
    const caller = callerOf(req);
    res.json({ name: caller.name, tenant: caller.tenant, scopes: API_KEY_SCOPES.filter((s) => caller.scopes.has(s)) });
  });
  return router;
}
