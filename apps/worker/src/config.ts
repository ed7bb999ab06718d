import { z } from 'zod';
import { TASK_TYPES, MAX_DELAY_MS, type TaskType } from '@offload/contracts';
import { commonEnvShape, intVar, loadEnv } from '@offload/config';

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

const timeoutVar = (type: string, defaultMs: number) =>
  intVar(`Time limit of one ${type} attempt; must stay below the broker's consumer_timeout (30 min by default)`, defaultMs, 100, BROKER_CONSUMER_TIMEOUT_MS - 60_000);

export const workerEnvSchema = z.object({
  ...commonEnvShape,
  WORKER_CONCURRENCY: intVar('Tasks one worker process runs at once', 2, 1, 256),
  WORKER_TASK_TYPES: taskTypesVar,
  WORKER_SHUTDOWN_GRACE_MS: intVar('On SIGTERM: time in-flight tasks get to finish before they are requeued', 25_000, 0, 600_000),
  WORKER_HTTP_PORT: intVar('Port of the worker’s /livez, /readyz and /metrics (0: any free port)', 3001, 0, 65535),
  WORKER_MAX_DELIVERIES: intVar('Deliveries without a result (worker crashes) before a task fails with worker_lost', 5, 1, 40),
  RETRY_BASE_MS: intVar('First retry delay; doubles per attempt, with jitter', 1_000, 100, MAX_DELAY_MS),
  RETRY_MAX_MS: intVar('Longest retry delay', 10 * 60 * 1000, 100, MAX_DELAY_MS),
  WATERMARK_TIMEOUT_MS: timeoutVar('watermark', 2 * 60 * 1000),
  WATERMARK_MAX_ATTEMPTS: intVar('Attempts of a watermark task before it is dead-lettered', 5, 1, 100),
  ANALYSIS_TIMEOUT_MS: timeoutVar('analysis', 20 * 60 * 1000),
  ANALYSIS_MAX_ATTEMPTS: intVar('Attempts of an analysis task before it is dead-lettered', 3, 1, 100),
  SHARP_CONCURRENCY: intVar('libvips threads per image (0: one per core)', 1, 0, 64),
});

export type WorkerConfig = z.infer<typeof workerEnvSchema>;

export function loadWorkerConfig(env: Readonly<Record<string, string | undefined>>): Readonly<WorkerConfig> {
  return loadEnv(workerEnvSchema, env);
}

export interface TaskTypeLimits {
  timeoutMs: number;
  maxAttempts: number;
}

export function taskTypeLimits(config: WorkerConfig): Record<TaskType, TaskTypeLimits> {
  return {
    watermark: { timeoutMs: config.WATERMARK_TIMEOUT_MS, maxAttempts: config.WATERMARK_MAX_ATTEMPTS },
    analysis: { timeoutMs: config.ANALYSIS_TIMEOUT_MS, maxAttempts: config.ANALYSIS_MAX_ATTEMPTS },
  };
}
