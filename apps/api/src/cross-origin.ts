import cors from 'cors';
import type { RequestHandler } from 'express';
import { HttpProblem } from './http-errors';

/**
 * Browsers: CORS for the allowed origins only, and a refusal (403) of any request that another
 * origin's page makes. A form or a `fetch` in `no-cors` mode is sent without asking (no
 * preflight), so CORS headers alone would not stop a page from submitting tasks with a browser's
 * ambient access (AUTH=off on a developer's machine); the `Origin` check does. Requests without
 * an `Origin` (curl, servers, same-origin GETs) pass.
 */
export function crossOrigin(allowed: readonly string[]): RequestHandler[] {
  const allow = new Set(allowed);
  const check: RequestHandler = (req, _res, next) => {
    const origin = req.get('origin');
    if (origin === undefined || allow.has(origin) || origin === `${req.protocol}://${req.get('host') ?? ''}`) {
      next();
      return;
    }
    next(new HttpProblem('forbidden', `requests from the web origin ${JSON.stringify(origin.slice(0, 200))} are not allowed (CORS_ORIGINS)`));
  };
  if (allow.size === 0) return [check];
  return [cors({ origin: [...allow], allowedHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key', 'traceparent', 'tracestate'], exposedHeaders: ['Location', 'RateLimit', 'RateLimit-Policy', 'Retry-After', 'Idempotent-Replayed', 'X-Request-Id'], maxAge: 600 }), check];
}
