import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { noopPayload } from './noop-task';
import { epochMs } from './stats';
import { windowed } from './windowed';

export const REDIS = { host: process.env.REDIS_HOST ?? '127.0.0.1', port: Number(process.env.REDIS_PORT ?? 6379) };

/** Jobs leave Redis once done, as an acked message leaves the queue. */
const JOB_OPTIONS = { removeOnComplete: true, removeOnFail: true };

export function openQueue(name: string): Queue {
  return new Queue(name, { connection: REDIS });
}

/** One `add` per job, at most `window` adds pending at a time (as offload's publisher gets). */
export async function addOneAtATime(queue: Queue, count: number, window: number): Promise<void> {
  await windowed(count, window, () => addOne(queue));
}

/** One job, stamped now. */
export function addOne(queue: Queue): Promise<unknown> {
  return queue.add('noop', noopPayload(epochMs()), JOB_OPTIONS);
}

/** `addBulk` in chunks of `chunk` jobs, one chunk at a time. */
export async function addInBulk(queue: Queue, count: number, chunk: number): Promise<void> {
  for (let i = 0; i < count; i += chunk) {
    const at = epochMs();
    const jobs = Array.from({ length: Math.min(chunk, count - i) }, () => ({ name: 'noop', data: noopPayload(at), opts: JOB_OPTIONS }));
    await queue.addBulk(jobs);
  }
}

/** Redis version, or why Redis cannot be used. */
export async function redisVersion(): Promise<{ version: string } | { error: string }> {
  const client = new Redis({ ...REDIS, lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 2_000, retryStrategy: () => null });
  try {
    await client.connect();
    const info = await client.info('server');
    const persistence = await client.info('persistence');
    const aof = /aof_enabled:(\d)/.exec(persistence)?.[1] === '1' ? 'AOF on' : 'AOF off';
    const rdb = (await client.config('GET', 'save')) as string[];
    return { version: `${/redis_version:(\S+)/.exec(info)?.[1] ?? '?'} (${aof}, save "${rdb[1] ?? ''}")` };
  } catch (err) {
    return { error: `Redis at ${REDIS.host}:${REDIS.port} is not reachable (${err instanceof Error ? err.message : String(err)})` };
  } finally {
    client.disconnect();
  }
}
