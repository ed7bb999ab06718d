import { Redis, type Result } from 'ioredis';
import { isTerminalStatus, taskRecordSchema, type TaskRecord } from '@offload/contracts';
import { judgeUpdate, parseRecord, serializeRecord } from './record-change';
import { assertRecordId } from './record-id';
import type { RecordStore } from './storage';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    /** SET `key` to `next` only while it still holds `expected`: null when written, else what it holds ('' when absent). */
    offloadCasRecord(key: string, expected: string, next: string, ttlSeconds: number): Result<string | null, Context>;
  }
}

/**
 * Compare-and-set in one atomic step on the server: the optimistic lock that makes `update` safe
 * against every other writer without holding anything between the read and the write. A TTL of 0
 * keeps the record (and clears an expiry a terminal state set before a re-drive).
 */
const CAS_RECORD = `
local current = redis.call('GET', KEYS[1])
if current ~= ARGV[1] then return current or '' end
local ttl = tonumber(ARGV[3])
if ttl > 0 then redis.call('SET', KEYS[1], ARGV[2], 'EX', ttl) else redis.call('SET', KEYS[1], ARGV[2]) end
return nil
`;

/**
 * The last text this process read or wrote per live record, always one that passed the record
 * schema, so the usual sequence (read, mark processing, mark succeeded) costs one
 * compare-and-set per move and no second read or schema parse: a stale entry only makes the
 * compare-and-set fail and hand back what is stored.
 */
class RecentRecords {
  private readonly texts = new Map<string, string>();
  constructor(private readonly max: number) {}

  /** A fresh copy of the remembered record, never one a caller holds. */
  get(key: string): { text: string; record: TaskRecord } | undefined {
    const text = this.texts.get(key);
    return text === undefined ? undefined : { text, record: JSON.parse(text) as TaskRecord };
  }

  remember(key: string, text: string, record: TaskRecord): void {
    this.texts.delete(key);
    if (isTerminalStatus(record.status)) return;
    this.texts.set(key, text);
    // Oldest first: a Map iterates in insertion order.
    if (this.texts.size > this.max) this.texts.delete(this.texts.keys().next().value as string);
  }

  forget(key: string): void {
    this.texts.delete(key);
  }
}

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
    const reason = (cause instanceof Error ? cause.message : String(cause)).replace(/\.$/, '');
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
  let opened = false;
  const redis = new Redis(options.url, {
    // Start-up fails at once with a clear line; after that the client reconnects for ever.
    retryStrategy: (times) => (opened ? Math.min(100 * 2 ** Math.min(times, 5), 2_000) : null),
    lazyConnect: true,
    enableAutoPipelining: true,
    // A command fails after one reconnect attempt instead of queueing for ever: callers (a request,
    // a task) fail with a retryable error rather than hang.
    maxRetriesPerRequest: 1,
    connectTimeout: options.connectTimeoutMs ?? 10_000,
    connectionName: 'offload-records',
  });
  redis.defineCommand('offloadCasRecord', { numberOfKeys: 1, lua: CAS_RECORD });
  let startupError: Error | undefined;
  redis.on('error', (err: Error) => {
    if (opened) options.onError?.(err);
    else startupError = err;
  });
  try {
    await redis.connect();
    await redis.ping();
    opened = true;
  } catch (err) {
    redis.disconnect();
    // "Connection is closed" says less than the socket error that closed it.
    throw new RecordStoreUnreachableError(options.url, startupError ?? err);
  }

  const keyOf = (id: string): string => `${keyPrefix}${assertRecordId(id)}`;
  const recent = new RecentRecords(10_000);
  const ttlOf = (record: TaskRecord): number => (ttl > 0 && isTerminalStatus(record.status) ? ttl : 0);

  return {
    async create(record) {
      const valid = taskRecordSchema.parse(record);
      const text = serializeRecord(valid);
      const key = keyOf(valid.id);
      const set = ttlOf(valid) > 0 ? await redis.set(key, text, 'EX', ttlOf(valid), 'NX') : await redis.set(key, text, 'NX');
      if (set === 'OK') recent.remember(key, text, valid);
      return set === 'OK';
    },

    async get(id) {
      const key = keyOf(id);
      const text = await redis.get(key);
      if (text === null) return undefined;
      const record = parseRecord(text);
      recent.remember(key, text, record);
      return record;
    },

    async update(id, update) {
      const key = keyOf(id);
      const remembered = recent.get(key);
      let text: string | null = remembered?.text ?? (await redis.get(key));
      let current = remembered?.record;
      for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt += 1) {
        if (text === null || text === '') {
          recent.forget(key);
          return { applied: false, reason: 'not_found', record: undefined };
        }
        current ??= parseRecord(text);
        const judged = judgeUpdate(current, update);
        if (!judged.write) {
          recent.remember(key, text, current);
          return judged.outcome;
        }
        const next = serializeRecord(judged.next);
        const stored = await redis.offloadCasRecord(key, text, next, ttlOf(judged.next));
        if (stored === null) {
          recent.remember(key, next, judged.next);
          return { applied: true, record: judged.next };
        }
        // Another writer got there first (or the remembered text was stale): judge again on what is stored.
        text = stored;
        current = undefined;
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
