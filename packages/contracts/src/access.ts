import { z } from 'zod';

/**
 * What an API key may do. `tasks:write`: submit, upload and cancel its tenant's tasks.
 * `tasks:read`: read its tenant's records, results, listings and counts. `admin`: everything,
 * across tenants (dead letters, workers, key management).
 */
export const API_KEY_SCOPES = ['tasks:write', 'tasks:read', 'admin'] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

/** The tenant of tasks made without a key (auth off) and of records from before tenants. */
export const DEFAULT_TENANT = 'default';

/** A tenant name: lower-case letters, digits, `-` and `_`, 1–63 characters, starting with a letter or digit. */
export const TENANT_PATTERN = /^[a-z0-9][a-z0-9_-]{0,62}$/;
export const tenantSchema = z.string().regex(TENANT_PATTERN, 'a tenant is 1–63 of a–z, 0–9, - and _, starting with a letter or digit');

/** An API key as a client sends it: `ofk_` and 32 random bytes in base64url (43 characters). */
export const API_KEY_PATTERN = /^ofk_[A-Za-z0-9_-]{43}$/;
