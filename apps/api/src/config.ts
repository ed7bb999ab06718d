import { z } from 'zod';
import { commonEnvShape, intVar, loadEnv } from '@offload/config';

/** The API's environment: every variable's name, default, bounds and description (the README's table is built from it). */
export const apiEnvSchema = z.object({
  ...commonEnvShape,
  PORT: intVar('HTTP port of the API', 3000, 0, 65535),
  HOST: z.string().min(1).default('0.0.0.0').describe('Interface the API listens on'),
  UPLOAD_MAX_BYTES: intVar('Largest file accepted by POST /v1/uploads and /v1/images (413 above)', 50 * 1024 * 1024, 1, 2 ** 40),
  DATASET_MAX_BYTES: intVar('Largest file accepted by POST /v1/datasets (413 above); streamed to storage, never held in memory', 2 * 1024 ** 3, 1, 2 ** 44),
  JSON_BODY_MAX_BYTES: intVar('Largest JSON body accepted by POST /v1/tasks, inline analysis rows included (413 above)', 1024 * 1024, 1024, 64 * 1024 * 1024),
  PUBLISH_BUFFER_MAX: intVar('Publishes allowed to wait for a broker channel before new ones get 503 at once', 1_000, 1, 1_000_000),
  IDEMPOTENCY_TTL_MS: intVar('How long an Idempotency-Key keeps answering with the task it created', 24 * 60 * 60 * 1000, 1_000, 30 * 24 * 60 * 60 * 1000),
  REQUEST_TIMEOUT_MS: intVar(
    'A request (headers and body) must arrive within this time, else 408: 15 min lets a 50 MB upload through at 0.5 Mbit/s; raise it for large datasets on slow links',
    15 * 60 * 1000,
    1_000,
    24 * 60 * 60 * 1000,
  ),
  REQUEST_IDLE_TIMEOUT_MS: intVar('A client still sending its request may pause at most this long between two bytes, else 408', 30_000, 500, 60 * 60 * 1000),
  RABBITMQ_MANAGEMENT_URL: z
    .string()
    .regex(/^https?:\/\//, { message: 'must be an http:// or https:// URL' })
    .optional()
    .describe("RabbitMQ's management HTTP API, with credentials, for GET /v1/stats's unacked counts (default: AMQP_URL's host and credentials on port 15672 over http)"),
  RABBITMQ_MANAGEMENT_TIMEOUT_MS: intVar('GET /v1/stats waits this long for the management API, then counts ready messages over AMQP instead (unacked unknown)', 2_000, 100, 60_000),
  API_SHUTDOWN_GRACE_MS: intVar('On SIGTERM: time to drain in-flight requests and after-response work', 10_000, 0, 600_000),
});

export type ApiConfig = z.infer<typeof apiEnvSchema>;

export function loadApiConfig(env: Readonly<Record<string, string | undefined>>): Readonly<ApiConfig> {
  return loadEnv(apiEnvSchema, env);
}
