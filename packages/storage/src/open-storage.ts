import { createFsStorage } from './fs-storage';
import { openRedisRecordStore } from './redis-record-store';
import type { Storage } from './storage';

export interface OpenStorageOptions {
  /** `DATA_DIR`: blobs and idempotency keys, and records unless `recordStoreUrl` is set. */
  dataDir: string;
  /** `RECORD_STORE_URL`: a `redis://` URL to keep task records in Redis. */
  recordStoreUrl?: string | undefined;
  /** Prefix of the record keys in Redis. @defaultValue `offload:record:` */
  recordKeyPrefix?: string;
  /** `RECORD_TTL_S`: how long Redis keeps a finished record; 0 for ever. */
  finishedRecordTtlSeconds?: number;
  /** How long opening waits for a record store server. */
  connectTimeoutMs?: number;
  /** A record store server's connection errors after start-up. */
  onError?: (err: Error) => void;
}

/** The storage the configuration asks for: everything under DATA_DIR, or records in Redis. */
export async function openStorage(options: OpenStorageOptions): Promise<Storage> {
  if (options.recordStoreUrl === undefined) return createFsStorage({ dataDir: options.dataDir });
  const records = await openRedisRecordStore({
    url: options.recordStoreUrl,
    ...(options.recordKeyPrefix === undefined ? {} : { keyPrefix: options.recordKeyPrefix }),
    ...(options.finishedRecordTtlSeconds === undefined ? {} : { finishedTtlSeconds: options.finishedRecordTtlSeconds }),
    ...(options.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: options.connectTimeoutMs }),
    ...(options.onError === undefined ? {} : { onError: options.onError }),
  });
  try {
    return await createFsStorage({ dataDir: options.dataDir, records });
  } catch (err) {
    await records.close();
    throw err;
  }
}
