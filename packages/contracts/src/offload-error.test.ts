import { describe, expect, it } from '@jest/globals';
import { ERROR_CODES } from './error-codes';
import { OffloadError, classifyError } from './offload-error';

describe('OffloadError', () => {
  it('takes retryable from the code when none is given', () => {
    const cause = new Error('root cause');
    const err = new OffloadError('corrupt_image', 'bad bytes', { cause });

    expect(err).toBeInstanceOf(Error);
    expect(err).toMatchObject({ name: 'OffloadError', code: 'corrupt_image', message: 'bad bytes', cause });
    expect(err.retryable).toBe(ERROR_CODES.corrupt_image.retryable);
  });

  it('uses the given retryable when it overrides the code', () => {
    expect(new OffloadError('handler_failed', 'x', { retryable: false }).retryable).toBe(false);
  });
});

describe('classifyError', () => {
  it('reads code, retryable and message when given an OffloadError', () => {
    expect(classifyError(new OffloadError('task_timeout', 'too slow'))).toEqual({
      code: 'task_timeout',
      retryable: true,
      message: 'too slow',
    });
  });

  it('treats the error as retryable without a code when given a plain Error', () => {
    expect(classifyError(new Error('socket hang up'))).toEqual({
      code: undefined,
      retryable: true,
      message: 'socket hang up',
    });
  });

  it('ignores a code offload does not know when given a system error', () => {
    const err = Object.assign(new Error('no such file'), { code: 'ENOENT' });
    expect(classifyError(err)).toMatchObject({ code: undefined, retryable: true });
  });

  it('reads code and retryable when given a plain object', () => {
    expect(classifyError({ code: 'invalid_dataset', retryable: false, message: 'bad row' })).toEqual({
      code: 'invalid_dataset',
      retryable: false,
      message: 'bad row',
    });
  });

  it('takes retryable from the code when a plain object has only a code', () => {
    expect(classifyError({ code: 'limit_exceeded' })).toMatchObject({ code: 'limit_exceeded', retryable: false });
  });

  it('keeps code and retryable when the error went through JSON', () => {
    const original = new OffloadError('handler_failed', 'flaky', { retryable: false });

    const revived: unknown = JSON.parse(JSON.stringify(original));

    expect(classifyError(revived)).toMatchObject({ code: 'handler_failed', retryable: false });
    expect(revived).toMatchObject({ name: 'OffloadError' });
  });

  it('treats the value as retryable when something other than an object is thrown', () => {
    expect(classifyError('boom')).toEqual({ code: undefined, retryable: true, message: 'boom' });
    expect(classifyError(undefined)).toEqual({ code: undefined, retryable: true, message: 'undefined' });
  });

  it('reads a message without throwing when the value cannot become a string', () => {
    const throwing = {
      toString(): string {
        throw new Error('no');
      },
    };
    expect(classifyError(Object.create(null))).toEqual({ code: undefined, retryable: true, message: '[object Object]' });
    expect(classifyError(throwing)).toEqual({ code: undefined, retryable: true, message: '[object Object]' });
  });
});
