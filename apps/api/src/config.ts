import { z } from 'zod';
import { ConfigError, commonEnvShape, intVar, loadEnv } from '@offload/config';
import { API_KEY_PATTERN, signingKeySchema } from '@offload/contracts';

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
  AUTH: z
    .enum(['on', 'off'])
    .default('on')
    .describe('`off` serves every request as an admin of the default tenant, with no key: refused unless HOST is a loopback address (127.0.0.1, ::1, localhost)'),
  ADMIN_API_KEY: z
    .string()
    .regex(API_KEY_PATTERN, { message: 'must be ofk_ followed by 43 base64url characters (32 random bytes)' })
    .optional()
    .describe('An admin key (from a Secret) the API makes sure exists at start, named `admin`; without it, an empty key store gets a new admin key, printed once'),
  RATE_LIMIT_RPS: z.coerce.number().positive().max(1_000_000).default(50).describe('Requests per second an API key may make, on average, across every API process (a key may set its own)'),
  RATE_LIMIT_BURST: intVar('Requests an API key may make at once above its rate (a key may set its own)', 100, 1, 1_000_000),
  TENANT_MAX_ACTIVE_TASKS: intVar('Tasks one tenant may have scheduled, queued, processing or retrying; a submit above it gets 429 tenant_queue_full', 10_000, 1, 100_000_000),
  SCHEDULER_MAX_SLEEP_MS: intVar(
    'Longest pause (ms) between two looks at the schedule: how late a task that another API process scheduled may start (a task scheduled here wakes this process on time)',
    500,
    50,
    60_000,
  ),
  BULK_CANCEL_MAX: intVar('Tasks one POST /v1/tasks/cancel cancels at most; the answer says when more match', 1_000, 1, 100_000),
  UPLOADS_PER_KEY_MAX: intVar('Uploads one API key may have in progress at once on one API process (429 too_many_uploads above)', 4, 1, 10_000),
  CORS_ORIGINS: z
    .string()
    .refine((v) => v.split(',').every((o) => o.trim() === '' || /^https?:\/\/[^/\s]+$/.test(o.trim())), {
      message: 'must be origins (scheme://host[:port], no path) separated by commas',
    })
    .default('')
    .describe('Origins allowed to call the API from a browser, comma-separated (`https://app.example.com`); empty: no cross-origin request is served'),
  METRICS_TOKEN: z
    .string()
    .min(16, { message: 'must be at least 16 characters' })
    .optional()
    .describe('Bearer token GET /metrics requires; without it, /metrics answers loopback callers only'),
  // The same two variables, with the same words, as the worker's (apps/worker/src/signing-config.ts).
  TASK_SIGNING_KEY: signingKeySchema
    .optional()
    .describe(
      'HMAC key of task messages, at least 32 characters (`openssl rand -base64 32`): the API signs every message with it; a worker runs only messages signed with it or TASK_SIGNING_KEY_PREVIOUS and dead-letters the rest as invalid_signature. Unset: nothing is signed or checked',
    ),
  TASK_SIGNING_KEY_PREVIOUS: signingKeySchema
    .optional()
    .describe(
      'A second key that workers and the dead-letter re-drive accept but never sign with: during a key rotation, the coming key, then the one replaced',
    ),
  RABBITMQ_MANAGEMENT_URL: z
    .string()
    .regex(/^https?:\/\//, { message: 'must be an http:// or https:// URL' })
    .optional()
    .describe("RabbitMQ's management HTTP API, with credentials, for GET /v1/stats's unacked counts (default: AMQP_URL's host and credentials on port 15672 over http)"),
  RABBITMQ_MANAGEMENT_TIMEOUT_MS: intVar('GET /v1/stats waits this long for the management API, then counts ready messages over AMQP instead (unacked unknown)', 2_000, 100, 60_000),
  EVENTS_POLL_MS: intVar('GET /v1/tasks/:id/events reads a watched task’s row this often (one reader per task per API process, however many clients watch it), and GET /v1/events (the console) reads the changes feed this often (one reader per API process)', 250, 10, 60_000),
  EVENTS_MAX_STREAMS: intVar('Event streams (GET /v1/tasks/:id/events) one API process keeps open at once; one more gets 503 too_many_streams with Retry-After', 1_000, 1, 1_000_000),
  API_SHUTDOWN_GRACE_MS: intVar('On SIGTERM: time to drain in-flight requests and after-response work', 10_000, 0, 600_000),
});

export type ApiConfig = z.infer<typeof apiEnvSchema>;

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '::1', 'localhost']);

export function loadApiConfig(env: Readonly<Record<string, string | undefined>>): Readonly<ApiConfig> {
  const config = loadEnv(apiEnvSchema, env);
  if (config.AUTH === 'off' && !LOOPBACK_HOSTS.has(config.HOST)) {
    throw new ConfigError([`AUTH: off is only allowed when the API listens on a loopback address (HOST=127.0.0.1, ::1 or localhost), not ${JSON.stringify(config.HOST)}: an open API must not be reachable from the network`]);
  }
  return config;
}

/** CORS_ORIGINS as a list. */
export function corsOrigins(config: Pick<ApiConfig, 'CORS_ORIGINS'>): string[] {
  return config.CORS_ORIGINS.split(',')
    .map((o) => o.trim())
    .filter((o) => o !== '');
}
