import { redisVersion } from './bullmq';

/** Where offload keeps task records in a bench run: its default (files in DATA_DIR) and Redis. */
export interface RecordStoreVariant {
  /** Side name suffix in logs and the JSON ('' for the default). */
  suffix: string;
  /** Metric suffix in the table. */
  label: string;
  /** Env for offload's processes: RECORD_STORE_URL set, or explicitly unset (empty counts as unset). */
  env: { RECORD_STORE_URL: string };
}

export const RECORD_STORE_URL = process.env.BENCH_RECORD_STORE_URL ?? 'redis://127.0.0.1:6379';

/** The default store always; Redis when the local server answers (the same one BullMQ uses). */
export async function recordStoreVariants(): Promise<{ variants: RecordStoreVariant[]; skipped?: string }> {
  const files: RecordStoreVariant = { suffix: '', label: '', env: { RECORD_STORE_URL: '' } };
  const redis = await redisVersion();
  if ('error' in redis) return { variants: [files], skipped: `records in Redis not measured: ${redis.error}` };
  return { variants: [files, { suffix: ', Redis records', label: ', records in Redis', env: { RECORD_STORE_URL } }] };
}
