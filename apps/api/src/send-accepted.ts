import type { Response } from 'express';
import type { Logger } from '@offload/telemetry';
import type { AfterResponse } from './after-response';
import { acceptedBody, type SubmitOutcome } from './submit-task';

/** `202` with the task's links and `Location`; `Idempotent-Replayed: true` when a key was replayed. */
export function sendAccepted(res: Response, outcome: SubmitOutcome, afterResponse: AfterResponse, log: Logger): void {
  const body = acceptedBody(outcome.record);
  if (outcome.kind === 'replayed') res.set('Idempotent-Replayed', 'true');
  res.status(202).location(body.links.self).json(body);
  const { id, task_type } = outcome.record;
  afterResponse.run('audit', () => log.info({ audit: 'task_accepted', task_id: id, task_type, submit: outcome.kind }, 'task accepted'));
}
