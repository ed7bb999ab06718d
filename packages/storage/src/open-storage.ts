import { openDbStorage, type DbStorage } from './db/db-storage';

export interface OpenStorageOptions {
  /** `DATA_DIR`: blobs, and the SQLite record database unless `recordStoreUrl` is set. */
  dataDir: string;
  /** `RECORD_STORE_URL`: a `postgres://` URL to keep records in PostgreSQL. */
  recordStoreUrl?: string | undefined;
  /** How long opening waits for PostgreSQL. */
  connectTimeoutMs?: number;
  /** PostgreSQL connection errors after start-up. */
  onError?: (err: Error) => void;
}

/** The storage the configuration asks for: blobs under DATA_DIR, records in SQLite there or in PostgreSQL. */
export function openStorage(options: OpenStorageOptions): Promise<DbStorage> {
  return openDbStorage({
    dataDir: options.dataDir,
    url: options.recordStoreUrl,
    ...(options.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: options.connectTimeoutMs }),
    ...(options.onError === undefined ? {} : { onError: options.onError }),
  });
}
