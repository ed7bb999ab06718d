import { z } from 'zod';
import { DEFAULT_PREFIX } from '@offload/contracts';

/** Reads an integer from the environment with bounds; the description feeds the README table. */
export function intVar(description: string, defaultValue: number, min: number, max: number) {
  return z.coerce.number().int().min(min).max(max).default(defaultValue).describe(description);
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Variables both roles read. Each app's config.ts spreads this shape into its own schema. */
export const commonEnvShape = {
  AMQP_URL: z
    .string()
    .regex(/^amqps?:\/\//, { message: 'must be an amqp:// or amqps:// URL' })
    .default('amqp://guest:guest@localhost:5672')
    .describe('RabbitMQ connection URL'),
  AMQP_CA_FILE: z
    .string()
    .min(1)
    .optional()
    .describe("For an amqps:// AMQP_URL: a PEM file of the CA certificate(s) that signed the broker's certificate, trusted instead of Node's bundled roots"),
  BROKER_DECLARE_TOPOLOGY: z
    .enum(['true', 'false'])
    .default('true')
    .transform((value) => value === 'true')
    .describe(
      '`true`: declare the exchanges and queues on every (re)connect (the broker user needs configure permission on them); `false`: only check that they exist and wait until a worker has declared them (an API user that may only publish)',
    ),
  DATA_DIR: z.string().min(1).default('./data').describe('Uploads and outputs, and the SQLite record database unless RECORD_STORE_URL is set'),
  RECORD_STORE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, { message: 'must be a postgres:// or postgresql:// URL' })
    .optional()
    .describe('Keep task records in this PostgreSQL database (a fleet on several hosts) instead of SQLite in DATA_DIR'),
  QUEUE_PREFIX: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_-]{0,63}$/i, { message: 'must be 1–64 letters, digits, - or _' })
    .default(DEFAULT_PREFIX)
    .describe('Prefix of every exchange and queue name'),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info').describe('pino log level'),
  BROKER_CONNECT_TIMEOUT_MS: intVar('How long start-up waits for RabbitMQ (and the record store) before exiting with an error', 10_000, 100, 600_000),
  PUBLISH_TIMEOUT_MS: intVar('A publish not confirmed by the broker within this time is not accepted (503)', 5_000, 100, 120_000),
  IMAGE_MAX_PIXELS: intVar('Largest image (width × height) accepted: pixel bombs are refused', 100_000_000, 1, 1_000_000_000),
  RETENTION_S: intVar(
    "Seconds a finished task's record and outputs are kept after it finished, and an upload after it was stored, before the retention sweep deletes them (an upload only once no remaining task names it); 0 keeps everything",
    7 * 24 * 60 * 60,
    0,
    100 * 365 * 24 * 60 * 60,
  ),
  RETENTION_SWEEP_MS: intVar('Mean time between two retention sweeps of one API or worker process (each wait is jittered ±50 %)', 10 * 60 * 1000, 1_000, 24 * 60 * 60 * 1000),
};

/** A value echoed in a config error, a URL's password replaced: the line goes to stderr and logs. */
function withoutPassword(value: string | undefined): string | undefined {
  if (value === undefined || !URL.canParse(value)) return value;
  const url = new URL(value);
  if (url.password === '') return value;
  url.password = '***';
  return url.toString();
}

/** Variables whose values are secrets (API keys, tokens, signing keys): never echoed, whatever their shape. */
const SECRET_NAME = /(_KEY|_TOKEN|_SECRET|_PASSWORD)(_PREVIOUS)?$/;

/** What a config error says a variable was set to. */
function echoed(name: string, value: string | undefined): string {
  if (value !== undefined && SECRET_NAME.test(name)) return `a secret of ${value.length} characters, not shown`;
  return JSON.stringify(withoutPassword(value));
}

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Parses the environment with a schema. Returns a frozen typed object, or throws ConfigError with
 * one line per bad value: `PORT: must be at most 65535 (got "70000")`.
 */
export function loadEnv<S extends z.ZodObject>(schema: S, env: Readonly<Record<string, string | undefined>>): Readonly<z.infer<S>> {
  // Empty strings count as unset, as in most twelve-factor tooling.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const name = issue.path.map(String).join('.');
        return `${name}: ${issue.message} (got ${echoed(name, present[name])})`;
      }),
    );
  }
  return Object.freeze(parsed.data);
}

/** Name, default and description of every variable of a schema (for docs and the README test). */
export function describeEnv(schema: z.ZodObject): { name: string; defaultValue: unknown; description: string }[] {
  const json = z.toJSONSchema(schema, { io: 'input' }) as { properties?: Record<string, { default?: unknown; description?: string }> };
  return Object.entries(json.properties ?? {}).map(([name, prop]) => ({
    name,
    defaultValue: prop.default,
    description: prop.description ?? '',
  }));
}

/** Where storage lives, from the common variables: one mapping for the API, the worker and the CLIs. */
export function storageOptionsFrom(config: { DATA_DIR: string; RECORD_STORE_URL?: string | undefined; BROKER_CONNECT_TIMEOUT_MS: number }): {
  dataDir: string;
  recordStoreUrl: string | undefined;
  connectTimeoutMs: number;
} {
  return { dataDir: config.DATA_DIR, recordStoreUrl: config.RECORD_STORE_URL, connectTimeoutMs: config.BROKER_CONNECT_TIMEOUT_MS };
}

/** The retention sweep's schedule, from the common variables: one mapping for the API and the worker. */
export function retentionOptionsFrom(config: { RETENTION_S: number; RETENTION_SWEEP_MS: number }): { retentionMs: number; everyMs: number } {
  return { retentionMs: config.RETENTION_S * 1000, everyMs: config.RETENTION_SWEEP_MS };
}
