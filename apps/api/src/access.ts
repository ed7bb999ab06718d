import type { Request, RequestHandler } from 'express';
import { DEFAULT_TENANT, type ApiKeyScope, type TaskRecord } from '@offload/contracts';
import type { TaskFilter } from '@offload/storage';
import { callerOf } from './caller';
import { HttpProblem } from './http-errors';

/*
 * Who may see and do what. Routes ask these functions and nothing else decides: a scope per
 * route, a tenant per task. `admin` holds every scope, across tenants.
 */

function holds(req: Request, scope: ApiKeyScope): boolean {
  const { scopes } = callerOf(req);
  return scopes.has('admin') || scopes.has(scope);
}

/** 403 unless the caller's key has `scope` (or `admin`). */
export function requireScope(req: Request, scope: ApiKeyScope): void {
  if (!holds(req, scope)) {
    throw new HttpProblem('forbidden', `${req.method} ${req.path} needs an API key with the ${scope} scope; this key has ${[...callerOf(req).scopes].join(', ') || 'none'}`);
  }
}

/** `requireScope` as middleware: before a body is read (an upload is refused before it is stored). */
export function needs(scope: ApiKeyScope): RequestHandler {
  return (req, _res, next) => {
    requireScope(req, scope);
    next();
  };
}

export function isAdmin(req: Request): boolean {
  return callerOf(req).scopes.has('admin');
}

/** The tenant new tasks and uploads of this caller belong to. */
export function callerTenant(req: Request): string {
  return callerOf(req).tenant;
}

/**
 * Whether the caller may see this task. Another tenant's task answers exactly as an unknown id
 * does (404), so ids cannot be probed.
 */
export function canSee(req: Request, record: Pick<TaskRecord, 'tenant'>): boolean {
  return isAdmin(req) || (record.tenant ?? DEFAULT_TENANT) === callerOf(req).tenant;
}

/**
 * The tenant a caller's listings and counts are narrowed to: its own; an admin's, every tenant
 * unless it asks for one (`?tenant=`). A non-admin asking for another tenant gets 403.
 */
export function tenantScope(req: Request, asked?: string): Pick<TaskFilter, 'tenant'> {
  if (isAdmin(req)) return asked === undefined ? {} : { tenant: asked };
  const own = callerOf(req).tenant;
  if (asked !== undefined && asked !== own) throw new HttpProblem('forbidden', 'only an admin key may list or count another tenant’s tasks');
  return { tenant: own };
}
