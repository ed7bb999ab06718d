import type { RequestHandler, Response } from 'express';
import { RecordStoreUnavailableError, type RateDecision, type RateLimit, type RateLimiter } from '@offload/storage';
import { callerOf } from './caller';
import { HttpProblem } from './http-errors';

/**
 * The IETF RateLimit fields (draft-ietf-httpapi-ratelimit-headers): the policy (`q` requests per
 * `w` seconds: the burst, refilled at the key's rate) and what is left of it now.
 */
function setRateLimitHeaders(res: Response, limit: RateLimit, decision: RateDecision): void {
  const windowS = Math.max(1, Math.ceil(limit.burst / limit.rps));
  res.set('RateLimit-Policy', `"key";q=${limit.burst};w=${windowS}`);
  res.set('RateLimit', `"key";r=${Math.max(0, Math.floor(decision.remaining))};t=${Math.ceil(decision.resetMs / 1000)}`);
}

/**
 * Per API key: its own rate or the default, held in the record database so every API process
 * draws on one budget. 429 `rate_limited` with `Retry-After` when it is spent. Requests without a
 * key (AUTH=off) are not limited, nor are requests while the record database is away.
 */
export function rateLimit(limiter: RateLimiter, defaults: RateLimit): RequestHandler {
  return (req, res, next) => {
    const caller = callerOf(req);
    if (caller.keyId === undefined) {
      next();
      return;
    }
    const limit = caller.rate ?? defaults;
    limiter.take(`key:${caller.keyId}`, limit).then(
      (decision) => {
        setRateLimitHeaders(res, limit, decision);
        if (decision.allowed) {
          next();
          return;
        }
        const retryAfterS = Math.max(1, Math.ceil(decision.retryAfterMs / 1000));
        next(
          new HttpProblem('rate_limited', `API key ${caller.name} made more than ${limit.burst} requests at once or ${limit.rps}/s on average; retry in ${retryAfterS} s`, undefined, {
            'Retry-After': String(retryAfterS),
          }),
        );
      },
      (err: unknown) => {
        // A limit is a guard, not a gate: with the record database away the request goes on (and
        // its route answers as the database allows).
        if (!(err instanceof RecordStoreUnavailableError)) {
          next(err);
          return;
        }
        req.log.warn({ api_key: caller.name }, 'the record database is unavailable: the rate limit is not applied');
        next();
      },
    );
  };
}
