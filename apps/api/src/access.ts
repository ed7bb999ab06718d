import type { Request } from 'express';
import type { TaskFilter } from '@offload/storage';

/*
 * Who may see what. API keys, tenants and scopes arrive with the next issue (API keys and
 * tenants); until then every request acts as an admin over every tenant. Routes ask these two
 * functions and nothing else decides, so that issue changes them and no route.
 */

/** Throws (403) unless the caller is an admin. Every caller is one until API keys arrive. */
export function requireAdmin(_req: Request): void {
  // Nothing to check yet: there are no keys.
}

/** The tenant a caller's listings and counts are narrowed to: none (every tenant's) until API keys arrive. */
export function tenantScope(_req: Request): Pick<TaskFilter, 'tenant'> {
  return {};
}
