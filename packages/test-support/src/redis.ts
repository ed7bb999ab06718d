import { Redis } from 'ioredis';

/** The Redis the record-store tests use (`.ci/run` starts one); a key prefix keeps test files apart. */
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Deletes every key under `prefix` (SCAN, never KEYS, so a shared server is not blocked). */
export async function deleteRedisKeys(prefix: string, url: string = TEST_REDIS_URL): Promise<void> {
  const redis = new Redis(url);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    await redis.quit();
  }
}
