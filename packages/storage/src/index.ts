export type {
  IdempotencyEntry,
  IdempotencyStore,
  BlobStore,
  ExternalRecordStore,
  PutBlobOptions,
  RecordStore,
  RecordUpdate,
  Storage,
  UpdateOutcome,
} from './storage';
export { assertSafeKey, isUploadKey, newUploadKey, outputKey } from './keys';
export { createFsStorage, type FsStorageOptions } from './fs-storage';
export { openStorage, type OpenStorageOptions } from './open-storage';
export { openRedisRecordStore, RecordStoreUnreachableError, type RedisRecordStore, type RedisRecordStoreOptions } from './redis-record-store';
export { BlobNotFoundError } from './blob-not-found-error';
