// `@offload/api/testing`: what code outside the API (e2e, faults, bench) may use of it, so
// those workspaces never reach into apps/api/src by relative path. Importing this module starts
// nothing (main.ts alone reads the environment and listens); each name is documented where it
// is declared.

/** The API's environment schema: e2e builds the README's configuration table from it. */
export { apiEnvSchema } from './config';
