import { CALLBACK_MAX_DELAY_MS, nextCallbackAttempt } from './callback-backoff';

describe('nextCallbackAttempt', () => {
  const policy = { retryForMs: 24 * 60 * 60 * 1000 };

  it('doubles from 1 s with equal jitter', () => {
    expect(nextCallbackAttempt(1, 0, 10, policy, () => 1)).toEqual({ retry: true, delayMs: 1_000 });
    expect(nextCallbackAttempt(1, 0, 10, policy, () => 0)).toEqual({ retry: true, delayMs: 500 });
    expect(nextCallbackAttempt(2, 0, 10, policy, () => 1)).toEqual({ retry: true, delayMs: 2_000 });
    expect(nextCallbackAttempt(3, 0, 10, policy, () => 1)).toEqual({ retry: true, delayMs: 4_000 });
  });

  it('caps the delay at an hour however many attempts failed', () => {
    expect(nextCallbackAttempt(13, 0, 10, policy, () => 1)).toEqual({ retry: true, delayMs: CALLBACK_MAX_DELAY_MS });
    expect(nextCallbackAttempt(500, 0, 10, policy, () => 1)).toEqual({ retry: true, delayMs: CALLBACK_MAX_DELAY_MS });
  });

  it('gives up once the retry window since the task finished has ended', () => {
    expect(nextCallbackAttempt(1, 0, policy.retryForMs - 1, policy, () => 1)).toMatchObject({ retry: true });
    expect(nextCallbackAttempt(1, 0, policy.retryForMs, policy, () => 1)).toEqual({ retry: false });
  });
});
