import { Redis, type Result } from 'ioredis';
import { isTerminalStatus, taskRecordSchema, type TaskRecord } from '@offload/contracts';
import { judgeUpdate, parseRecord, serializeRecord } from './record-change';
import { assertRecordId } from './record-id';
import type { RecordStore } from './storage';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    /** SET `key` to `next` only while it still holds `expected`; 1 when written, 0 otherwise. */
    offloadCasRecord(key: string, expected: string, next: string, ttlSeconds: number): Result<number, Context>;
  }
}

/**
 * Compare-and-set in one atomic step on the server: the optimistic lock that makes `update` safe
 * against every other writer without holding anything between the read and the write. A TTL of 0
 * keeps the record (and clears an expiry a terminal state set before a re-drive).
 */
const CAS_RECORD = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
local ttl = tonumber(ARGV[3])
if ttl > 0 then redis.call('SET', KEYS[1], ARGV[2], 'EX', ttl) else redis.call('SET', KEYS[1], ARGV[2]) end
return 1
`;

/** A compare-and-set lost this many times in a row means a writer is stuck in a loop, not racing. */
const MAX_CAS_ATTEMPTS = 100;

export interface RedisRecordStoreOptions {
  /** `redis://` or `rediss://` URL (`RECORD_STORE_URL`). */
  url: string;
  /** @defaultValue `offload:record:` */
  keyPrefix?: string;
  /** Seconds a succeeded or failed record is kept; 0 keeps it for ever. @defaultValue 0 */
  finishedTtlSeconds?: number;
  /** How long opening waits for the server. @defaultValue 10 000 */
  connectTimeoutMs?: number;
  /** Connection errors after start-up (the client reconnects by itself). */
  onError?: (err: Error) => void;
}

export interface RedisRecordStore extends RecordStore {
  /** Throws unless the server takes a write now (readiness). */
  checkWritable(): Promise<void>;
  close(): Promise<void>;
}

export class RecordStoreUnreachableError extends Error {
  constructor(url: string, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(
      `cannot reach the record store at ${redactUrl(url)} (RECORD_STORE_URL): ${reason}. ` +
        'Start Redis (e.g. `redis-server`) or unset RECORD_STORE_URL to keep records in DATA_DIR.',
      { cause },
    );
    this.name = 'RecordStoreUnreachableError';
  }
}

/**
 * Task records as JSON strings in Redis, one key per task. Every command of a tick goes out in one
 * pipeline (auto-pipelining), which is what makes many concurrent tasks cheap: the group commit
 * of this store. Durability is the server's: with `appendonly yes` and `appendfsync everysec` a
 * power loss can cost the last second of record moves (never a message: RabbitMQ holds those).
 */
export async function openRedisRecordStore(options: RedisRecordStoreOptions): Promise<RedisRecordStore> {
  const keyPrefix = options.keyPrefix ?? 'offload:record:';
  const ttl = options.finishedTtlSeconds ?? 0;
  const redis = new Redis(options.url, {
    lazyConnect: true,
    enableAutoPipelining: true,
    // A command fails after one reconnect attempt instead of queueing for ever: callers (a request,
    // a task) fail with a retryable error rather than hang.
    maxRetriesPerRequest: 1,
    connectTimeout: options.connectTimeoutMs ?? 10_000,
    connectionName: 'offload-records',
  });
  redis.defineCommand('offloadCasRecord', { numberOfKeys: 1, lua: CAS_RECORD });
  redis.on('error', (err: Error) => options.onError?.(err));
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    redis.disconnect();
    throw new RecordStoreUnreachableError(options.url, err);
  }

  const keyOf = (id: string): string => `${keyPrefix}${assertRecordId(id)}`;
  const ttlOf = (record: TaskRecord): number => (ttl > 0 && isTerminalStatus(record.status) ? ttl : 0);

  return {
    async create(record) {
      const valid = taskRecordSchema.parse(record);
      const text = serializeRecord(valid);
      const key = keyOf(valid.id);
      const set = ttlOf(valid) > 0 ? await redis.set(key, text, 'EX', ttlOf(valid), 'NX') : await redis.set(key, text, 'NX');
      return set === 'OK';
    },

    async get(id) {
      const text = await redis.get(keyOf(id));
      return text === null ? undefined : parseRecord(text);
    },

    async update(id, update) {
      const key = keyOf(id);
      for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt += 1) {
        const text = await redis.get(key);
        if (text === null) return { applied: false, reason: 'not_found', record: undefined };
        const judged = judgeUpdate(parseRecord(text), update);
        if (!judged.write) return judged.outcome;
        if ((await redis.offloadCasRecord(key, text, serializeRecord(judged.next), ttlOf(judged.next))) === 1) {
          return { applied: true, record: judged.next };
        }
      }
      throw new Error(`record ${id}: ${MAX_CAS_ATTEMPTS} compare-and-set attempts in a row lost to other writers`);
    },

    async checkWritable() {
      await redis.set(`${keyPrefix}.probe`, String(Date.now()), 'EX', 60);
    },

    async close() {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}

/** The URL without its password, for error messages and logs. */
function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable URL)';
  }
}
