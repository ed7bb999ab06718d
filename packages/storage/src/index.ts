export type {
  IdempotencyEntry,
  IdempotencyStore,
  BlobStore,
  PutBlobOptions,
  RecordStore,
  RecordUpdate,
  Storage,
  UpdateOutcome,
} from './storage';
export { assertSafeKey, isUploadKey, newUploadKey, outputKey } from './keys';
export { createFsStorage, type FsStorageOptions } from './fs-storage';
export { BlobNotFoundError } from './blob-not-found-error';
