import type { RequestHandler } from 'express';
import { callerOf } from './caller';
import { HttpProblem } from './http-errors';

/**
 * At most `max` uploads in progress per API key on this process (a request holds its slot until
 * its response is done or the client is gone): one key cannot take every file descriptor and
 * disk stream of the API. 429 `too_many_uploads` above.
 */
export function uploadSlots(max: number): RequestHandler {
  const inProgress = new Map<string, number>();
  return (req, res, next) => {
    const slot = callerOf(req).keyId ?? 'anonymous';
    const held = inProgress.get(slot) ?? 0;
    if (held >= max) {
      next(new HttpProblem('too_many_uploads', `this API key has ${max} uploads in progress, the most it may have at once; send the next when one is done`, undefined, { 'Retry-After': '1' }));
      return;
    }
    inProgress.set(slot, held + 1);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      const left = (inProgress.get(slot) ?? 1) - 1;
      if (left <= 0) inProgress.delete(slot);
      else inProgress.set(slot, left);
    };
    res.once('finish', release);
    res.once('close', release);
    next();
  };
}
