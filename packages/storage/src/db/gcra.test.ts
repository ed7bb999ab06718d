import { describe, expect, it } from '@jest/globals';
import { gcraDecision, gcraStep } from './gcra';

describe('gcraStep', () => {
  it('spaces requests 1000 / rps ms apart and allows a tat up to burst − 1 intervals ahead', () => {
    const step = gcraStep({ rps: 4, burst: 3 }, 10_000);
    expect(step.intervalMs).toBe(250);
    expect(step.allowIfTatAtMostMs).toBeCloseTo(10_500, 2);
  });

  it('refuses a limit with no positive rate or a burst under one', () => {
    expect(() => gcraStep({ rps: 0, burst: 1 }, 0)).toThrow(RangeError);
    expect(() => gcraStep({ rps: Number.NaN, burst: 1 }, 0)).toThrow(RangeError);
    expect(() => gcraStep({ rps: 1, burst: 0 }, 0)).toThrow(RangeError);
    expect(() => gcraStep({ rps: 1, burst: 1.5 }, 0)).toThrow(RangeError);
  });
});

describe('gcraDecision', () => {
  const limit = { rps: 4, burst: 3 };

  it('counts what a full bucket still allows after a take, and when it is full again', () => {
    expect(gcraDecision(limit, true, 10_250, 10_000)).toEqual({ allowed: true, limit: 3, remaining: 2, resetMs: 250, retryAfterMs: 0 });
    expect(gcraDecision(limit, true, 10_750, 10_000)).toEqual({ allowed: true, limit: 3, remaining: 0, resetMs: 750, retryAfterMs: 0 });
  });

  it('says how long a refused request waits for its turn', () => {
    expect(gcraDecision(limit, false, 10_750, 10_000)).toEqual({ allowed: false, limit: 3, remaining: 0, resetMs: 750, retryAfterMs: 250 });
    expect(gcraDecision(limit, false, 10_750, 10_100)).toEqual({ allowed: false, limit: 3, remaining: 0, resetMs: 650, retryAfterMs: 150 });
  });

  it('rounds fractional intervals up to whole ms', () => {
    const third = { rps: 3, burst: 1 };
    expect(gcraDecision(third, true, 1_000 / 3, 0)).toEqual({ allowed: true, limit: 1, remaining: 0, resetMs: 334, retryAfterMs: 0 });
    expect(gcraDecision(third, false, 1_000 / 3, 0).retryAfterMs).toBe(334);
  });
});
