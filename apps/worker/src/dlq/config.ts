import { z } from 'zod';
import { commonEnvShape, loadEnv } from '@offload/config';
import { checkSigningKeys, signingKeyVars } from '../signing-config';

const { AMQP_URL, AMQP_CA_FILE, QUEUE_PREFIX, DATA_DIR, RECORD_STORE_URL, BROKER_CONNECT_TIMEOUT_MS, PUBLISH_TIMEOUT_MS } = commonEnvShape;

/** What `npm run dlq` reads: the same variables, defaults and bounds as the worker's. */
export const dlqEnvSchema = z.object({ AMQP_URL, AMQP_CA_FILE, QUEUE_PREFIX, DATA_DIR, RECORD_STORE_URL, BROKER_CONNECT_TIMEOUT_MS, PUBLISH_TIMEOUT_MS, ...signingKeyVars });

export type DlqConfig = z.infer<typeof dlqEnvSchema>;

export function loadDlqConfig(env: Readonly<Record<string, string | undefined>>): Readonly<DlqConfig> {
  const config = loadEnv(dlqEnvSchema, env);
  checkSigningKeys(config);
  return config;
}
