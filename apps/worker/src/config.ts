import { z } from 'zod';
import { TASK_TYPES, MAX_DELAY_MS, type TaskType } from '@offload/contracts';
import { commonEnvShape, intVar, loadEnv } from '@offload/config';
import type { AnalysisLimits } from './analysis/profile-dataset';

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
  WORKER_MAX_DELIVERIES: intVar('Runs of one task lost with their worker (it crashed or was killed) before the task fails with worker_lost', 5, 1, 40),
  RETRY_BASE_MS: intVar('First retry delay; doubles per attempt, with jitter', 1_000, 100, MAX_DELAY_MS),
  RETRY_MAX_MS: intVar('Longest retry delay', 10 * 60 * 1000, 100, MAX_DELAY_MS),
  WATERMARK_TIMEOUT_MS: timeoutVar('watermark', 2 * 60 * 1000),
  WATERMARK_MAX_ATTEMPTS: intVar('Attempts of a watermark task before it is dead-lettered', 5, 1, 100),
  ANALYSIS_TIMEOUT_MS: timeoutVar('analysis', 20 * 60 * 1000),
  ANALYSIS_MAX_ATTEMPTS: intVar('Attempts of an analysis task before it is dead-lettered', 3, 1, 100),
  ANALYSIS_MEMORY_MB: intVar('Memory budget of one analysis task (peak RSS); the engine gets 35% of it as its own limit', 1024, 128, 1024 * 1024),
  ANALYSIS_THREADS: intVar('Engine threads per analysis task', 2, 1, 64),
  ANALYSIS_MAX_COLUMNS: intVar('Columns a dataset may have (more: limit_exceeded)', 1000, 1, 100_000),
  ANALYSIS_MAX_CORRELATION_COLUMNS: intVar('Numeric columns the correlation matrix takes (more: limit_exceeded)', 100, 1, 10_000),
  ANALYSIS_MAX_GROUPS: intVar('Groups a group_by may produce (more: limit_exceeded)', 1000, 1, 1_000_000),
  ANALYSIS_TMP_DIR: z.string().min(1).optional().describe("Scratch space for the analysis engine's spill files (default: the OS temp dir)"),
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

/** The engine's own memory limit as a share of the task's budget: its RSS runs well above it. */
export const ENGINE_MEMORY_SHARE = 0.35;

export function analysisLimits(config: WorkerConfig, defaultTempDir: string): AnalysisLimits {
  return {
    memoryLimitMb: Math.max(64, Math.floor(config.ANALYSIS_MEMORY_MB * ENGINE_MEMORY_SHARE)),
    threads: config.ANALYSIS_THREADS,
    tempDir: config.ANALYSIS_TMP_DIR ?? defaultTempDir,
    maxColumns: config.ANALYSIS_MAX_COLUMNS,
    maxCorrelationColumns: config.ANALYSIS_MAX_CORRELATION_COLUMNS,
    maxGroups: config.ANALYSIS_MAX_GROUPS,
  };
}

export function taskTypeLimits(config: WorkerConfig): Record<TaskType, TaskTypeLimits> {
  return {
    watermark: { timeoutMs: config.WATERMARK_TIMEOUT_MS, maxAttempts: config.WATERMARK_MAX_ATTEMPTS },
    analysis: { timeoutMs: config.ANALYSIS_TIMEOUT_MS, maxAttempts: config.ANALYSIS_MAX_ATTEMPTS },
  };
}

/** libuv pool threads: room for every task's render plus the default pool's 4 for everything else. */
export function threadPoolSize(concurrency: number): number {
  return Math.min(1024, concurrency + 4);
}
