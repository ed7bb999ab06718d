import type { Request } from 'express';
import { API_KEY_SCOPES, DEFAULT_TENANT, type ApiKeyScope } from '@offload/contracts';

/** Who is calling: the API key the request authenticated with (or, with AUTH=off, no key at all). */
export interface Caller {
  /** The key's id; undefined with AUTH=off. */
  keyId: string | undefined;
  /** The key's name, for logs. */
  name: string;
  tenant: string;
  scopes: ReadonlySet<ApiKeyScope>;
  /** Its own rate, when the key sets one. */
  rate?: { rps: number; burst: number };
}

/** With AUTH=off every request acts as this: an admin of the default tenant. */
export const ANONYMOUS_ADMIN: Caller = { keyId: undefined, name: 'anonymous (AUTH=off)', tenant: DEFAULT_TENANT, scopes: new Set(API_KEY_SCOPES) };

const callers = new WeakMap<Request, Caller>();

export function setCaller(req: Request, caller: Caller): void {
  callers.set(req, caller);
}

/** The request's caller. Every /v1 route runs after authentication, so there always is one there. */
export function callerOf(req: Request): Caller {
  const caller = callers.get(req);
  if (caller === undefined) throw new Error(`no caller for ${req.method} ${req.path}: the route is not behind authentication`);
  return caller;
}
