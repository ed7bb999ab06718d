import { Router, json, type Request } from 'express';
import { z } from 'zod';
import { taskInputSchema, toFieldProblems, type TaskRecord } from '@offload/contracts';
import { canSee, needs } from '../access';
import type { Storage } from '@offload/storage';
import { HttpProblem, validationProblem } from '../http-errors';
import type { SubmitDeps } from '../submit-task';
import { acceptTask } from '../accept-task';
import type { AfterResponse } from '../after-response';
import { streamToClient } from '../stream-to-client';

export interface TaskRoutesDeps extends SubmitDeps {
  storage: Storage;
  afterResponse: AfterResponse;
  jsonBodyMaxBytes: number;
}

const idSchema = z.uuid();

/** The task id in the path, in the canonical (lower-case) form: UUIDs match case-insensitively. */
export function taskIdParam(req: Request): string {
  const raw = req.params.id;
  const parsed = idSchema.safeParse(typeof raw === 'string' ? raw.toLowerCase() : raw);
  if (!parsed.success) throw new HttpProblem('not_found', `no task with id ${JSON.stringify(String(raw).slice(0, 64))}`);
  // Named on the request's log line.
  if (req.res !== undefined) req.res.locals.taskId = parsed.data;
  return parsed.data;
}

export function taskRoutes(deps: TaskRoutesDeps): Router {
  const router = Router();

  /** The task of the path's id, if the caller may see it: another tenant's task is as unknown as a made-up id. */
  async function visibleTask(req: Request): Promise<TaskRecord> {
    const id = taskIdParam(req);
    const record = await deps.storage.records.get(id);
    if (record === undefined || !canSee(req, record)) throw new HttpProblem('not_found', `no task with id ${id}`);
    return record;
  }

  router.post('/v1/tasks', needs('tasks:write'), json({ limit: deps.jsonBodyMaxBytes, type: ['application/json', 'application/*+json'] }), async (req, res) => {
    if (!req.is(['application/json', 'application/*+json'])) {
      throw new HttpProblem('unsupported_media_type', 'POST /v1/tasks takes application/json');
    }
    const parsed = taskInputSchema.safeParse(req.body);
    if (!parsed.success) throw validationProblem(toFieldProblems(parsed.error));
    await acceptTask(deps, req, res, parsed.data, parsed.data);
  });

  router.get('/v1/tasks/:id', needs('tasks:read'), async (req, res) => {
    res.json(await visibleTask(req));
  });

  router.get('/v1/tasks/:id/result', needs('tasks:read'), async (req, res) => {
    const record = await visibleTask(req);
    const { id } = record;
    if (record.status !== 'succeeded' || record.result === undefined) {
      const why = record.status === 'failed' ? `it failed (${record.error?.code ?? 'unknown'}) and has no result` : `it is ${record.status}`;
      throw new HttpProblem('task_not_finished', `task ${id} has no result: ${why}`);
    }
    const { stream, bytes } = await deps.storage.blobs.open(record.result.output_key);
    res.status(200).type(record.result.content_type).set('Content-Length', String(bytes));
    await streamToClient(stream, res, req.log);
  });

  router.get('/v1/tasks/:id/outputs/:name', needs('tasks:read'), async (req, res) => {
    const record = await visibleTask(req);
    const { id } = record;
    if (record.status !== 'succeeded' || record.result === undefined) {
      throw new HttpProblem('task_not_finished', `task ${id} has no outputs: it is ${record.status}`);
    }
    const output = record.result.outputs?.find((o) => o.name === req.params.name);
    if (output === undefined) {
      const names = (record.result.outputs ?? []).map((o) => o.name);
      throw new HttpProblem('not_found', `task ${id} has no output named ${JSON.stringify(String(req.params.name).slice(0, 64))}${names.length > 0 ? ` (it has ${names.join(', ')})` : ''}`);
    }
    const { stream, bytes } = await deps.storage.blobs.open(output.output_key);
    res.status(200).type(output.content_type).set('Content-Length', String(bytes));
    await streamToClient(stream, res, req.log);
  });

  return router;
}
