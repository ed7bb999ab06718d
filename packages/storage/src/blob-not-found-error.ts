import { OffloadError } from '@offload/contracts';

/** No blob is stored under `key`: the upload a task references does not exist (any more). */
export class BlobNotFoundError extends OffloadError {
  readonly key: string;

  constructor(key: string, options: { cause?: unknown } = {}) {
    super('missing_upload', `no blob is stored under ${key}`, options);
    this.name = 'BlobNotFoundError';
    this.key = key;
  }
}
