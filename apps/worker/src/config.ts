import { z } from 'zod';
import { TASK_TYPES, MAX_DELAY_MS, type TaskType } from '@offload/contracts';
import { commonEnvShape, intVar, loadEnv } from '@offload/config';
import { WORKER_TASK_TYPES } from './handlers/index';
import { parseCallbackAllow } from './callbacks/callback-allow';
import { checkSigningKeys, signingKeyVars } from './signing-config';

/** RabbitMQ's default consumer_timeout: an unacked delivery older than this closes the channel. */
export const BROKER_CONSUMER_TIMEOUT_MS = 30 * 60 * 1000;

const taskTypesVar = z
  .string()
  .default(TASK_TYPES.join(','))
  .transform((value, ctx) => {
    const names = value.split(',').map((s) => s.trim()).filter((s) => s !== '');
    const unknown = names.filter((n) => !(TASK_TYPES as readonly string[]).includes(n));
    if (names.length === 0 || unknown.length > 0) {
      ctx.addIssue({ code: 'custom', message: `must be a comma-separated list of ${TASK_TYPES.join(', ')}${unknown.length ? `; unknown: ${unknown.join(', ')}` : ''}` });
      return z.NEVER;
    }
    return [...new Set(names)] as TaskType[];
  })
  .describe('Task types (queues) this worker consumes, comma-separated');

const callbackAllowVar = z
  .string()
  .default('')
  .transform((value, ctx) => {
    const parsed = parseCallbackAllow(value);
    if (!parsed.ok) {
      ctx.addIssue({ code: 'custom', message: `must be comma-separated host names, IP addresses or CIDRs: ${parsed.problems.join('; ')}` });
      return z.NEVER;
    }
    return parsed.allow;
  })
  .describe(
    'Webhooks (`callback_url`) may reach these hosts and addresses although they are loopback, private or link-local, and these hosts over http://: comma-separated host names, IP addresses and CIDRs (e.g. `hooks.internal,10.1.0.0/16`). Empty: https:// to public addresses only',
  );

/** The largest time limit a task type may have: below the broker's consumer_timeout. */
const MAX_TIMEOUT_MS = BROKER_CONSUMER_TIMEOUT_MS - 60_000;

type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never;
type Upper<T extends TaskType> = Uppercase<T>;
/** `<TYPE>_TIMEOUT_MS` and `<TYPE>_MAX_ATTEMPTS` of every registered type. */
type LimitVars = { [T in TaskType as `${Upper<T>}_TIMEOUT_MS` | `${Upper<T>}_MAX_ATTEMPTS`]: ReturnType<typeof intVar> };
/** Every type's own variables, together. */
type TypeVars = UnionToIntersection<(typeof WORKER_TASK_TYPES)[TaskType]['env']>;

const timeoutName = (taskType: TaskType) => `${taskType.toUpperCase()}_TIMEOUT_MS`;
const attemptsName = (taskType: TaskType) => `${taskType.toUpperCase()}_MAX_ATTEMPTS`;

/** For each registered type, in registry order: its two limit variables, then its own. */
function taskTypeVars(): LimitVars & TypeVars {
  const shape: Record<string, z.ZodType> = {};
  for (const taskType of TASK_TYPES) {
    const entry = WORKER_TASK_TYPES[taskType];
    shape[timeoutName(taskType)] = intVar(
      `Time limit of one ${taskType} attempt; must stay below the broker's consumer_timeout (30 min by default)`,
      entry.timeoutMs,
      100,
      MAX_TIMEOUT_MS,
    );
    shape[attemptsName(taskType)] = intVar(`Attempts of a ${taskType} task before it is dead-lettered`, entry.maxAttempts, 1, 100);
    Object.assign(shape, entry.env);
  }
  // Built from the registry at run time; these are the names and types it builds.
  return shape as LimitVars & TypeVars;
}

/** The worker's environment: every variable's name, default, bounds and description (the README's table is built from it). */
export const workerEnvSchema = z.object({
  ...commonEnvShape,
  WORKER_CONCURRENCY: intVar('Tasks one worker process runs at once', 2, 1, 256),
  WORKER_TASK_TYPES: taskTypesVar,
  WORKER_SHUTDOWN_GRACE_MS: intVar('On SIGTERM: time in-flight tasks get to finish before they are requeued', 25_000, 0, 600_000),
  WORKER_HTTP_PORT: intVar('Port of the worker’s /livez, /readyz and /metrics (0: any free port)', 3001, 0, 65535),
  WORKER_HEARTBEAT_MS: intVar('How often a worker writes its heartbeat row (GET /v1/workers); silent for three intervals, it is listed lost', 5_000, 100, 60_000),
  WORKER_MAX_DELIVERIES: intVar('Runs of one task lost with their worker (it crashed or was killed) before the task fails with worker_lost', 5, 1, 40),
  RETRY_BASE_MS: intVar('First retry delay; doubles per attempt, with jitter', 1_000, 100, MAX_DELAY_MS),
  RETRY_MAX_MS: intVar('Longest retry delay', 10 * 60 * 1000, 100, MAX_DELAY_MS),
  ...taskTypeVars(),
  SHARP_CONCURRENCY: intVar('libvips threads per image (0: one per core)', 1, 0, 64),
  ...signingKeyVars,
  CALLBACK_ALLOW: callbackAllowVar,
  CALLBACK_TIMEOUT_MS: intVar('Time one webhook attempt gets (connect, send, response): longer counts as a failed attempt', 10_000, 100, 120_000),
  CALLBACK_RETRY_FOR_MS: intVar(
    'How long after its task finished a failing webhook is retried (backoff 1 s, 2 s, 4 s … 1 h); then its state is `failed`',
    24 * 60 * 60 * 1000,
    0,
    30 * 24 * 60 * 60 * 1000,
  ),
});

export type WorkerConfig = z.infer<typeof workerEnvSchema>;

/** The worker's config from `env`, frozen; throws ConfigError naming each bad value. */
export function loadWorkerConfig(env: Readonly<Record<string, string | undefined>>): Readonly<WorkerConfig> {
  const config = loadEnv(workerEnvSchema, env);
  checkSigningKeys(config);
  return config;
}

export interface TaskTypeLimits {
  timeoutMs: number;
  maxAttempts: number;
}

export function taskTypeLimits(config: WorkerConfig): Record<TaskType, TaskTypeLimits> {
  const limits: Partial<Record<TaskType, TaskTypeLimits>> = {};
  for (const taskType of TASK_TYPES) {
    limits[taskType] = { timeoutMs: numberVar(config, timeoutName(taskType)), maxAttempts: numberVar(config, attemptsName(taskType)) };
  }
  // Every registered type was filled in above.
  return limits as Record<TaskType, TaskTypeLimits>;
}

function numberVar(config: WorkerConfig, name: string): number {
  const value: unknown = Reflect.get(config, name);
  if (typeof value !== 'number') throw new TypeError(`${name} is not in the worker's configuration`);
  return value;
}

/** libuv pool threads: room for every task's render plus the default pool's 4 for everything else. */
export function threadPoolSize(concurrency: number): number {
  return Math.min(1024, concurrency + 4);
}
