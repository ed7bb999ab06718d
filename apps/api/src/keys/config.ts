import type { z } from 'zod';
import { loadEnv } from '@offload/config';
import { apiEnvSchema } from '../config';

/** What `npm run keys` reads: where the API keeps its records, with the API's defaults and bounds. */
export const keysEnvSchema = apiEnvSchema.pick({ DATA_DIR: true, RECORD_STORE_URL: true, BROKER_CONNECT_TIMEOUT_MS: true });

export type KeysConfig = z.infer<typeof keysEnvSchema>;

export function loadKeysConfig(env: Readonly<Record<string, string | undefined>>): Readonly<KeysConfig> {
  return loadEnv(keysEnvSchema, env);
}
