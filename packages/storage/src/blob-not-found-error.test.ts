import { describe, expect, it } from '@jest/globals';
import { classifyError, OffloadError } from '@offload/contracts';
import { BlobNotFoundError } from './blob-not-found-error';

describe('BlobNotFoundError', () => {
  it('carries code missing_upload, its name and the key when constructed', () => {
    const cause = new Error('ENOENT');
    const err = new BlobNotFoundError('up_0123456789abcdef0123456789abcdef', { cause });

    expect(err).toBeInstanceOf(OffloadError);
    expect(err).toMatchObject({ name: 'BlobNotFoundError', code: 'missing_upload', retryable: false, cause });
    expect(err.key).toBe('up_0123456789abcdef0123456789abcdef');
    expect(classifyError(err)).toMatchObject({ code: 'missing_upload', retryable: false });
  });
});
