import { describe, expect, it } from '@jest/globals';
import { OffloadError } from '@offload/contracts';
import { PermanentTaskError, TaskTimeoutError, TransientTaskError } from './errors';
import { clientMessage, decideRetry, type RetryLimits } from './retry-policy';

const LIMITS: RetryLimits = { maxAttempts: 3, baseDelayMs: 1_000, maxDelayMs: 10_000 };

describe('decideRetry', () => {
  it('dead-letters a permanent error at once, as the input fault it is', () => {
    const decision = decideRetry(new PermanentTaskError('corrupt_image', 'the image is truncated or corrupt'), 1, LIMITS, () => 0.5);
    expect(decision).toEqual({
      action: 'dead_letter',
      code: 'corrupt_image',
      message: 'the image is truncated or corrupt',
      detail: 'the image is truncated or corrupt',
      inputFault: true,
    });
  });

  it('retries a transient error with its code while attempts remain', () => {
    expect(decideRetry(new TransientTaskError('handler_failed', 'upstream busy'), 1, LIMITS, () => 0)).toEqual({
      action: 'retry',
      delayMs: 500,
      code: 'handler_failed',
      message: 'upstream busy',
    });
  });

  it('retries an error nobody classified, as handler_failed', () => {
    const decision = decideRetry(new Error('boom'), 1, LIMITS, () => 0);
    expect(decision).toEqual(expect.objectContaining({ action: 'retry', code: 'handler_failed' }));
  });

  it('doubles the delay ceiling per attempt, with half of it jittered, up to the cap', () => {
    const delays = [1, 2, 3].map((attempt) => decideRetry(new TaskTimeoutError(10), attempt, { ...LIMITS, maxAttempts: 10 }, () => 1));
    expect(delays.map((d) => (d.action === 'retry' ? d.delayMs : -1))).toEqual([1_000, 2_000, 4_000]);
    const capped = decideRetry(new TaskTimeoutError(10), 9, { ...LIMITS, maxAttempts: 10 }, () => 0);
    expect(capped).toEqual(expect.objectContaining({ action: 'retry', delayMs: 5_000 }));
  });

  it('dead-letters as attempts_exhausted on the last attempt, naming the last error', () => {
    const decision = decideRetry(new TransientTaskError('handler_failed', 'upstream busy'), 3, LIMITS);
    expect(decision).toEqual({
      action: 'dead_letter',
      code: 'attempts_exhausted',
      message: 'failed on all 3 attempts; last error (handler_failed): upstream busy',
      detail: 'failed on all 3 attempts; last error (handler_failed): upstream busy',
      inputFault: false,
    });
  });

  it('decides on the fields of an error that crossed a package boundary, not on its class', () => {
    const plain = Object.assign(new Error('the image is truncated or corrupt'), { code: 'corrupt_image', retryable: false });
    expect(decideRetry(plain, 1, LIMITS)).toEqual(expect.objectContaining({ action: 'dead_letter', code: 'corrupt_image', inputFault: true }));
  });

  it('never puts the text of an unclassified error (a server path) in the record', () => {
    const enoent = Object.assign(new Error("ENOENT: no such file or directory, open '/srv/offload/data/blobs/up_123'"), { code: 'ENOENT' });
    const decision = decideRetry(enoent, 3, LIMITS);
    expect(decision.message).not.toContain('/srv');
    expect(decision.message).toBe("failed on all 3 attempts; last error (handler_failed): an unexpected Error in the handler (the worker's log has the detail)");
    // The dead-letter entry, for operators, keeps the error's own text.
    expect(decision.action === 'dead_letter' ? decision.detail : '').toContain('ENOENT: no such file or directory');
  });
});

describe('clientMessage', () => {
  it('keeps the message of an error offload raised on purpose', () => {
    expect(clientMessage(new OffloadError('limit_exceeded', 'the dataset has 2000 columns'))).toBe('the dataset has 2000 columns');
  });

  it('names only the kind of an error from elsewhere', () => {
    expect(clientMessage(new TypeError("Cannot read properties of undefined (reading 'x')"))).toBe("an unexpected TypeError in the handler (the worker's log has the detail)");
    expect(clientMessage('a thrown string /etc/passwd')).toBe("an unexpected error in the handler (the worker's log has the detail)");
  });
});
