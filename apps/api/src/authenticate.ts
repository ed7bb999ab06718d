import { createHash } from 'node:crypto';
import type { RequestHandler } from 'express';
import { API_KEY_PATTERN } from '@offload/contracts';
import { RecordStoreUnavailableError, type ApiKey, type ApiKeyStore } from '@offload/storage';
import { setCaller, ANONYMOUS_ADMIN, type Caller } from './caller';
import { HttpProblem } from './http-errors';

export type AuthOptions =
  | {
      mode: 'keys';
      keys: ApiKeyStore;
      /**
       * How long a key's answer is reused before the store is asked again: a revoked key stops
       * working on every API process within this time. @defaultValue 1000
       */
      cacheMs?: number;
    }
  | { mode: 'off' };

const CHALLENGE = 'Bearer realm="offload"';

/** How long a key's last good answer stands in while the record database is unreachable. */
const STALE_MS = 10 * 60 * 1000;

function unauthorized(detail: string, invalidToken: boolean): HttpProblem {
  return new HttpProblem('unauthorized', detail, undefined, { 'WWW-Authenticate': invalidToken ? `${CHALLENGE}, error="invalid_token"` : CHALLENGE });
}

function callerFrom(key: ApiKey): Caller {
  return {
    keyId: key.id,
    name: key.name,
    tenant: key.tenant,
    scopes: new Set(key.scopes),
    ...(key.rateRps !== undefined && key.rateBurst !== undefined ? { rate: { rps: key.rateRps, burst: key.rateBurst } } : {}),
  };
}

/**
 * `Authorization: Bearer <api key>` → the request's caller, or 401 with `WWW-Authenticate`.
 * Answers are cached per key (by its hash: no secret is kept) for `cacheMs`, unknown keys included,
 * so a flood of requests costs one lookup per key and second.
 */
export function authenticate(options: AuthOptions): RequestHandler {
  if (options.mode === 'off') {
    return (req, _res, next) => {
      setCaller(req, ANONYMOUS_ADMIN);
      next();
    };
  }
  const { keys } = options;
  const cacheMs = options.cacheMs ?? 1_000;
  const cache = new Map<string, { caller: Caller | undefined; until: number; at: number }>();
  const MAX_CACHED = 10_000;

  return (req, res, next) => {
    const header = req.get('authorization');
    if (header === undefined || header.trim() === '') {
      next(unauthorized('this route needs an API key: send Authorization: Bearer <key>', false));
      return;
    }
    const match = /^Bearer +(\S+) *$/i.exec(header);
    const secret = match?.[1];
    if (secret === undefined || !API_KEY_PATTERN.test(secret)) {
      next(unauthorized('the Authorization header is not "Bearer <key>" with an offload API key (ofk_…)', true));
      return;
    }
    const hash = createHash('sha256').update(secret).digest('hex');
    const now = Date.now();
    const cached = cache.get(hash);
    const known: Promise<Caller | undefined> =
      cached !== undefined && cached.until > now
        ? Promise.resolve(cached.caller)
        : keys.authenticate(secret).then(
            (key) => {
              const caller = key === undefined ? undefined : callerFrom(key);
              if (cache.size >= MAX_CACHED) cache.clear();
              cache.set(hash, { caller, until: Date.now() + cacheMs, at: Date.now() });
              return caller;
            },
            (err: unknown) => {
              // The record database is away: a key it confirmed lately still holds (stale if
              // error, for STALE_MS), so reads answer 503 from the store and submits keep their
              // rule, rather than every request becoming a 401 or a 503 at the door.
              if (err instanceof RecordStoreUnavailableError && cached?.caller !== undefined && now - cached.at < STALE_MS) {
                req.log.warn({ api_key: cached.caller.name }, 'the record database is unavailable: the API key is taken on its last answer');
                return cached.caller;
              }
              throw err;
            },
          );
    known.then(
      (caller) => {
        if (caller === undefined) {
          next(unauthorized('the API key is unknown or revoked', true));
          return;
        }
        setCaller(req, caller);
        res.locals.apiKey = caller.name;
        res.locals.tenant = caller.tenant;
        req.log = req.log.child({ api_key: caller.name, tenant: caller.tenant });
        next();
      },
      (err: unknown) => next(err),
    );
  };
}
