import type { Request, Response } from 'express';
import type { TaskInput } from '@offload/contracts';
import { outgoingTraceparent } from '@offload/telemetry';
import { callerTenant } from './access';
import type { AfterResponse } from './after-response';
import { idempotencyKey, requestFingerprint } from './idempotency';
import { acceptedBody, submitTask, type SubmitDeps, type SubmitOutcome } from './submit-task';

/**
 * Submits a task for an HTTP request and answers `202` with the task's links and `Location`
 * (`Idempotent-Replayed: true` when an Idempotency-Key named an existing task). `sameRequest` is
 * what makes two requests under one key "the same": the route and it are fingerprinted.
 */
export async function acceptTask(
  deps: SubmitDeps & { afterResponse: AfterResponse },
  req: Request,
  res: Response,
  input: TaskInput,
  sameRequest: unknown,
): Promise<SubmitOutcome> {
  const key = idempotencyKey(req);
  const outcome = await submitTask(deps, input, {
    log: req.log,
    tenant: callerTenant(req),
    traceparent: outgoingTraceparent(req.get('traceparent')),
    ...(key === undefined ? {} : { idempotency: { key, fingerprint: requestFingerprint(`${req.method} ${req.path}`, sameRequest) } }),
  });
  const body = acceptedBody(outcome.record);
  res.locals.taskId = outcome.record.id;
  if (outcome.kind === 'replayed') res.set('Idempotent-Replayed', 'true');
  res.status(202).location(body.links.self).json(body);
  const { id, task_type } = outcome.record;
  deps.afterResponse.run('audit', () => req.log.info({ audit: 'task_accepted', task_id: id, task_type, submit: outcome.kind }, 'task accepted'));
  return outcome;
}
