import { z } from 'zod';
import { commonEnvShape, loadEnv } from '@offload/config';

const { DATA_DIR, RECORD_STORE_URL, BROKER_CONNECT_TIMEOUT_MS, RETENTION_S } = commonEnvShape;

/**
 * What `npm run records` reads: the same variables, defaults and bounds as the API and the worker.
 * RETENTION_S only to warn about imported records the next retention sweep deletes.
 */
export const recordsEnvSchema = z.object({ DATA_DIR, RECORD_STORE_URL, BROKER_CONNECT_TIMEOUT_MS, RETENTION_S });

export type RecordsConfig = z.infer<typeof recordsEnvSchema>;

export function loadRecordsConfig(env: Readonly<Record<string, string | undefined>>): Readonly<RecordsConfig> {
  return loadEnv(recordsEnvSchema, env);
}
