import type { RateDecision, RateLimit } from '../storage';

/**
 * The generic cell rate algorithm (GCRA): a bucket is one number, its theoretical arrival time
 * (tat). Each request moves tat to max(tat, now) + T, where T = 1000 / rps ms; a request is
 * allowed while that stays within burst · T of now, so a full bucket allows `burst` at once and
 * then one every T. https://brandur.org/rate-limiting explains it well.
 */
export interface GcraStep {
  /** T: ms one request uses of the bucket. */
  intervalMs: number;
  /** A request is allowed when the bucket's tat is at or before this: now + (burst − 1) · T. */
  allowIfTatAtMostMs: number;
}

/**
 * Slack for floating-point sums of T (1000 / 3 …) near Date.now() (one ulp there is 0.24 µs): a
 * request on the exact ms it is due is allowed whatever the last bit of the sum. One µs early is
 * never a request more.
 */
const EPSILON_MS = 0.001;

/** Throws RangeError on a limit GCRA cannot run: rps must be positive, burst an integer ≥ 1. */
export function gcraStep(limit: RateLimit, nowMs: number): GcraStep {
  if (!(Number.isFinite(limit.rps) && limit.rps > 0)) throw new RangeError(`rate limit rps must be a positive number; got ${limit.rps}`);
  if (!(Number.isSafeInteger(limit.burst) && limit.burst >= 1)) throw new RangeError(`rate limit burst must be a positive integer; got ${limit.burst}`);
  const intervalMs = 1000 / limit.rps;
  return { intervalMs, allowIfTatAtMostMs: nowMs + (limit.burst - 1) * intervalMs + EPSILON_MS };
}

/**
 * The decision, from the bucket's tat after the take (`allowed`) or as it stands (refused). Times
 * are rounded up to whole ms, so a client that waits `retryAfterMs` is allowed.
 */
export function gcraDecision(limit: RateLimit, allowed: boolean, tatMs: number, nowMs: number): RateDecision {
  const { intervalMs } = gcraStep(limit, nowMs);
  const aheadMs = Math.max(0, tatMs - nowMs);
  const remaining = Math.min(limit.burst, Math.max(0, Math.floor((limit.burst * intervalMs - aheadMs) / intervalMs + EPSILON_MS)));
  const resetMs = Math.ceil(aheadMs - EPSILON_MS);
  if (allowed) return { allowed, limit: limit.burst, remaining, resetMs: Math.max(0, resetMs), retryAfterMs: 0 };
  const retryAfterMs = Math.max(1, Math.ceil(aheadMs - (limit.burst - 1) * intervalMs - EPSILON_MS));
  return { allowed, limit: limit.burst, remaining: 0, resetMs: Math.max(retryAfterMs, resetMs), retryAfterMs };
}
