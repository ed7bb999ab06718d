export type { IdempotencyEntry, IdempotencyStore, BlobStore, PutBlobOptions, RecordStore, RecordUpdate, Storage, UpdateOutcome } from './storage';
export type { WorkerHeartbeat, WorkerStore } from './storage';
export { assertSafeKey, isUploadKey, newUploadKey, outputKey } from './keys';
export { openStorage, type OpenStorageOptions } from './open-storage';
export type { DbStorage } from './db/db-storage';
export { RecordStoreUnreachableError, SQLITE_FILE, type Dialect, type RecordDatabase } from './db/open-database';
export { RecordStoreUnavailableError } from './db/store-errors';
export { InvalidCursorError, type ListRequest, type TaskCounts, type TaskFilter, type TaskPage, type TaskQueries } from './db/task-queries';
export { BlobNotFoundError } from './blob-not-found-error';
