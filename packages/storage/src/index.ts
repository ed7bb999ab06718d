export type {
  BlobStore,
  PutBlobOptions,
  RecordStore,
  RecordUpdate,
  Storage,
  UpdateOutcome,
} from './storage';
export { assertSafeKey, isUploadKey, newUploadKey, outputKey } from './keys';
