import { parseArgs } from 'node:util';
import { API_KEY_SCOPES, OffloadError, tenantSchema, type ApiKeyScope } from '@offload/contracts';
import { API_KEY_NAME_PATTERN } from '@offload/storage';

export type KeysCommand =
  | { command: 'help' }
  | { command: 'create'; name: string; tenant: string; scopes: ApiKeyScope[]; rateRps?: number; rateBurst?: number }
  | { command: 'list' }
  | { command: 'revoke'; name: string };

/** The largest --rps and --burst, as RATE_LIMIT_RPS and RATE_LIMIT_BURST allow. */
const RATE_MAX = 1_000_000;

export const USAGE = `usage: npm run keys -- <command> [options]

commands:
  create --name NAME --tenant TENANT --scopes SCOPE[,SCOPE] [--rps N] [--burst N]
                       make an API key and print it, alone, on stdout: the only time it is shown
                       (KEY=$(npm run --silent keys -- create ...) keeps it in a variable)
  list                 print every key, revoked ones too: name, tenant, scopes, the key's first
                       characters, when it was created and revoked, its rate. Never a key itself
  revoke --name NAME   revoke the key: the API refuses it from then on (within a second)
  help                 print this text

  NAME      1–64 of A–Z, a–z, 0–9, '.', '_' and '-'; never reused, not even after a revocation
  TENANT    1–63 of a–z, 0–9, '-' and '_', starting with a letter or digit
  SCOPE     tasks:write (submit, upload, cancel), tasks:read (read tasks and results),
            admin (everything, across tenants)
  --rps     the key's own rate in requests per second (default: the API's RATE_LIMIT_RPS)
  --burst   the key's own burst, a whole number (default: the API's RATE_LIMIT_BURST)

exit codes: 0 done, 1 failed (database, configuration, name taken, no such key), 2 usage.

configuration: DATA_DIR, RECORD_STORE_URL, BROKER_CONNECT_TIMEOUT_MS (the API's)`;

/** The command line is wrong; `main` prints the message and the usage text and exits 2. */
export class UsageError extends OffloadError {
  constructor(message: string) {
    super('validation_failed', message);
    this.name = 'UsageError';
  }
}

type OptionName = 'name' | 'tenant' | 'scopes' | 'rps' | 'burst';
type Values = Partial<Record<OptionName, string>>;

/** Parses `keys` arguments (without `node` and the script). Throws UsageError. */
export function parseKeysArgs(argv: readonly string[]): KeysCommand {
  const [command, ...rest] = argv;
  if (command === undefined) throw new UsageError('missing command');
  if (command === 'help' || command === '--help' || command === '-h' || rest.includes('--help') || rest.includes('-h')) {
    return { command: 'help' };
  }
  switch (command) {
    case 'create': {
      const values = parseOptions(rest, ['name', 'tenant', 'scopes', 'rps', 'burst']);
      const name = parseName(required(values, 'name', 'create'));
      const tenant = parseTenant(required(values, 'tenant', 'create'));
      const scopes = parseScopes(required(values, 'scopes', 'create'));
      const rps = values.rps === undefined ? undefined : parseRps(values.rps);
      const burst = values.burst === undefined ? undefined : parseBurst(values.burst);
      return {
        command: 'create',
        name,
        tenant,
        scopes,
        ...(rps === undefined ? {} : { rateRps: rps }),
        ...(burst === undefined ? {} : { rateBurst: burst }),
      };
    }
    case 'list':
      parseOptions(rest, []);
      return { command: 'list' };
    case 'revoke':
      return { command: 'revoke', name: parseName(required(parseOptions(rest, ['name']), 'name', 'revoke')) };
    default:
      throw new UsageError(`unknown command ${JSON.stringify(command)}`);
  }
}

/** Each option a string given at most once; no positional argument. */
function parseOptions(args: string[], allowed: readonly OptionName[]): Values {
  const options = Object.fromEntries(allowed.map((name) => [name, { type: 'string' as const, multiple: true as const }]));
  let values: Record<string, unknown>;
  try {
    ({ values } = parseArgs({ args, options, strict: true, allowPositionals: false }));
  } catch (err) {
    // node:util's messages (`Unknown option '--x'`) are clear; later sentences are hints we do not
    // need. Read without instanceof: under a test runner its errors come from another realm.
    const message = typeof err === 'object' && err !== null ? Reflect.get(err, 'message') : undefined;
    throw new UsageError(typeof message === 'string' ? (message.split(/\.\s/)[0] ?? message) : String(err));
  }
  const result: Values = {};
  for (const name of allowed) {
    const given = values[name];
    if (!Array.isArray(given)) continue;
    if (given.length > 1) throw new UsageError(`give --${name} once`);
    const value: unknown = given[0];
    if (typeof value === 'string') result[name] = value;
  }
  return result;
}

function required(values: Values, name: OptionName, command: string): string {
  const value = values[name];
  if (value === undefined) throw new UsageError(`${command} needs --${name}`);
  return value;
}

function parseName(value: string): string {
  if (!API_KEY_NAME_PATTERN.test(value)) throw new UsageError(`--name must be 1–64 of A–Z, a–z, 0–9, '.', '_' and '-'; got ${JSON.stringify(value)}`);
  return value;
}

function parseTenant(value: string): string {
  const parsed = tenantSchema.safeParse(value);
  if (!parsed.success) throw new UsageError(`--tenant: ${parsed.error.issues[0]?.message ?? 'not a tenant'}; got ${JSON.stringify(value)}`);
  return parsed.data;
}

function isScope(value: string): value is ApiKeyScope {
  return (API_KEY_SCOPES as readonly string[]).includes(value);
}

function parseScopes(value: string): ApiKeyScope[] {
  const scopes: ApiKeyScope[] = [];
  for (const part of value.split(',').map((s) => s.trim())) {
    if (!isScope(part)) {
      throw new UsageError(`--scopes: ${part === '' ? 'an empty scope' : `unknown scope ${JSON.stringify(part)}`}; give one or more of ${API_KEY_SCOPES.join(', ')}, comma-separated`);
    }
    if (!scopes.includes(part)) scopes.push(part);
  }
  return scopes;
}

/** A decimal number as typed: no hex, exponents, Infinity or blanks that Number() would take. */
const DECIMAL = /^\d+(\.\d+)?$|^\.\d+$/;

function parseRps(value: string): number {
  const rps = DECIMAL.test(value) ? Number(value) : Number.NaN;
  if (!(rps > 0 && rps <= RATE_MAX)) throw new UsageError(`--rps must be a number of requests per second above 0 and at most ${RATE_MAX}; got ${JSON.stringify(value)}`);
  return rps;
}

function parseBurst(value: string): number {
  const burst = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!(burst >= 1 && burst <= RATE_MAX)) throw new UsageError(`--burst must be a whole number from 1 to ${RATE_MAX}; got ${JSON.stringify(value)}`);
  return burst;
}
