import { randomUUID } from 'node:crypto';
import {
  DEFAULT_TENANT,
  newTaskPayload,
  taskCreated,
  taskNotAccepted,
  taskResubmitted,
  taskUploads,
  workRoutingKey,
  type TaskInput,
  type TaskRecord,
  type Topology,
} from '@offload/contracts';
import { NotAcceptedError, type Publisher } from '@offload/broker';
import { RecordStoreUnavailableError, type Storage } from '@offload/storage';
import type { Logger, Metrics } from '@offload/telemetry';
import { HttpProblem } from './http-errors';
import { planTask, type TaskPlan } from './task-plan';
import { assertUploadRules, inspectUploads } from './upload-references';

export interface SubmitDeps {
  publisher: Publisher;
  storage: Storage;
  topology: Topology;
  metrics: Metrics;
  /** Seconds a client should wait before retrying after a 503. */
  retryAfterSeconds: number;
  /** How long an Idempotency-Key keeps answering with its task. */
  idempotencyTtlMs: number;
  /** Tasks one tenant may have scheduled, queued, processing or retrying (429 tenant_queue_full above). */
  tenantMaxActiveTasks: number;
  /** Told of each task scheduled here, so the scheduler wakes for it if it is due first. */
  onScheduled?: (dueMs: number) => void;
}

export interface SubmitContext {
  log: Logger;
  /** The tenant the task belongs to: the caller's. */
  tenant: string;
  traceparent?: string;
  /** The request's Idempotency-Key and a fingerprint of what it asked for. */
  idempotency?: { key: string; fingerprint: string };
}

/**
 * `created`: a new task. `replayed`: the Idempotency-Key named an accepted task, returned as is.
 * `republished`: the key named a task that was not accepted, now published again under its id.
 */
export type SubmitOutcome = { kind: 'created' | 'replayed' | 'republished'; record: TaskRecord };

/**
 * The accept path: write the record (`queued`) and publish with a confirm, and only then accept.
 * When the broker does not confirm, the record ends `failed` / `not_accepted` and the client gets
 * 503: a late copy of the message that reaches a worker anyway is dropped unrun. With an
 * Idempotency-Key, requests sharing the key run one at a time and map to one task.
 */
export async function submitTask(deps: SubmitDeps, input: TaskInput, ctx: SubmitContext): Promise<SubmitOutcome> {
  const plan = planTask(input, new Date());
  assertUploadRules(input, await inspectUploads(deps.storage, input, ctx.tenant, ctx.log));
  const idempotency = ctx.idempotency === undefined ? undefined : { ...ctx.idempotency, key: tenantIdempotencyKey(ctx.tenant, ctx.idempotency.key) };
  if (idempotency === undefined) {
    await assertTenantRoom(deps, ctx.tenant, ctx.log);
    return { kind: 'created', record: await createAndPublish(deps, input, plan, ctx, randomUUID()) };
  }

  // What the broker confirmed in this request. When the key's entry cannot be stored after that
  // (the database went away in between), the task is still accepted: a 503 would tell the client
  // it was not, and it runs.
  let published: SubmitOutcome | undefined;
  const exclusive = deps.storage.idempotency.exclusive<SubmitOutcome | { kind: 'refused'; error: unknown }>(idempotency.key, async (entry) => {
    if (entry !== undefined && entry.fingerprint !== idempotency.fingerprint) {
      throw new HttpProblem('idempotency_key_reused', 'this Idempotency-Key was used with a different request; use a new key for a new task');
    }
    const existing = entry === undefined ? undefined : await deps.storage.records.get(entry.task_id);
    if (entry === undefined || existing === undefined) {
      await assertTenantRoom(deps, ctx.tenant, ctx.log);
      const id = entry?.task_id ?? randomUUID();
      const created = new Date();
      const store = {
        fingerprint: idempotency.fingerprint,
        task_id: id,
        created_at: created.toISOString(),
        expires_at: new Date(created.getTime() + deps.idempotencyTtlMs).toISOString(),
      };
      // The key is stored even when the broker refuses the task, so a retry reuses its id.
      try {
        published = { kind: 'created', record: await createAndPublish(deps, input, plan, ctx, id) };
        return { value: published, store };
      } catch (error) {
        return { value: { kind: 'refused', error }, store };
      }
    }
    if (existing.status === 'failed' && existing.error?.code === 'not_accepted') {
      published = { kind: 'republished', record: await republish(deps, input, plan, ctx, existing) };
      return { value: published };
    }
    return { value: { kind: 'replayed', record: existing } };
  });
  let result: Awaited<typeof exclusive>;
  try {
    result = await exclusive;
  } catch (err) {
    if (published === undefined) throw err;
    ctx.log.warn(
      { err, task_id: published.record.id, idempotency_key: idempotency.key },
      'task accepted, but its Idempotency-Key could not be stored: a retry with this key after the lease may create a second task',
    );
    return published;
  }
  if (result.kind === 'refused') throw result.error;
  return result;
}

/**
 * Idempotency-Keys are the client's own names: two tenants may both send `order-1`. The default
 * tenant's keys keep the form they had before tenants, so keys stored then still answer.
 */
function tenantIdempotencyKey(tenant: string, key: string): string {
  return tenant === DEFAULT_TENANT ? key : `${tenant}\n${key}`;
}

/**
 * 429 when the tenant already has as many unfinished tasks as it may. The cap is a guard against
 * one client burying the fleet, not a promise: with the record database away it is not checked,
 * so a submit keeps its rule (a broker-confirmed task is accepted and its worker writes the record).
 */
async function assertTenantRoom(deps: SubmitDeps, tenant: string, log: Logger): Promise<void> {
  let active: number;
  try {
    active = await deps.storage.queries.activeCount(tenant, deps.tenantMaxActiveTasks);
  } catch (err) {
    if (!(err instanceof RecordStoreUnavailableError)) throw err;
    log.warn({ err, tenant }, 'the record database is unavailable: the tenant cap is not checked for this submit');
    return;
  }
  if (active >= deps.tenantMaxActiveTasks) {
    throw new HttpProblem(
      'tenant_queue_full',
      `tenant ${tenant} has ${deps.tenantMaxActiveTasks} tasks queued, processing or retrying, the most it may have (TENANT_MAX_ACTIVE_TASKS); submit again once some finish`,
      undefined,
      { 'Retry-After': String(deps.retryAfterSeconds) },
    );
  }
}

async function createAndPublish(deps: SubmitDeps, input: TaskInput, plan: TaskPlan, ctx: SubmitContext, id: string): Promise<TaskRecord> {
  const record = taskCreated(
    {
      id,
      task_type: input.task_type,
      tenant: ctx.tenant,
      priority: plan.priority,
      ...(plan.runAt === undefined ? {} : { run_at: plan.runAt.toISOString() }),
      ...(plan.callbackUrl === undefined ? {} : { callback_url: plan.callbackUrl }),
    },
    new Date(),
  );
  const uploads = taskUploads(input.task_type, input.content).map((u) => u.key);
  if (plan.runAt !== undefined) return createScheduled(deps, input, plan, ctx, record, plan.runAt, uploads);
  // The record write and the publish overlap: the 202 waits for both. A worker that gets the
  // message first creates the record itself (creates are exclusive, so neither overwrites the other).
  // The task's uploads are linked in the same transaction: retention keeps them while it lives.
  const created = deps.storage.records.create(record, { uploads });
  created.catch(() => undefined);
  return publishOrRefuse(deps, input, plan, ctx, record, created);
}

/**
 * A task due later: its record (`scheduled`) and its message are written in one transaction and
 * nothing is published now; the scheduler publishes the message when it is due. Accepted once
 * that transaction committed: the record database holds it from then on, as the broker would.
 */
async function createScheduled(deps: SubmitDeps, input: TaskInput, plan: TaskPlan, ctx: SubmitContext, record: TaskRecord, runAt: Date, uploads: string[]): Promise<TaskRecord> {
  const payload = newTaskPayload(input, record.id, record.created_at, ctx.tenant, plan.priority);
  await deps.storage.records.create(record, {
    uploads,
    schedule: {
      taskId: record.id,
      dueMs: runAt.getTime(),
      routingKey: workRoutingKey(input.task_type, plan.priority),
      body: JSON.stringify(payload),
      headers: ctx.traceparent === undefined ? {} : { traceparent: ctx.traceparent },
    },
  });
  deps.onScheduled?.(runAt.getTime());
  ctx.log.info({ task_id: record.id, task_type: input.task_type, run_at: record.run_at }, 'task scheduled');
  deps.metrics.tasksSubmitted.inc({ task_type: input.task_type, outcome: 'accepted' });
  return record;
}

/** A task that was not accepted goes back to `queued` and is published again under its id. */
async function republish(deps: SubmitDeps, input: TaskInput, plan: TaskPlan, ctx: SubmitContext, failed: TaskRecord): Promise<TaskRecord> {
  const outcome = await deps.storage.records.update(failed.id, (current) => taskResubmitted(current, new Date()));
  if (!outcome.applied) return outcome.record ?? failed;
  return publishOrRefuse(deps, input, plan, ctx, outcome.record, Promise.resolve(true));
}

/**
 * Publishes and waits for the confirm and for `recordWritten`. Not confirmed: the record (once
 * written) ends `failed` / `not_accepted` and the client gets 503.
 */
async function publishOrRefuse(deps: SubmitDeps, input: TaskInput, plan: TaskPlan, ctx: SubmitContext, record: TaskRecord, recordWritten: Promise<boolean>): Promise<TaskRecord> {
  const { id } = record;
  const payload = newTaskPayload(input, id, record.created_at, ctx.tenant, plan.priority);
  const log = ctx.log.child({ task_id: id, task_type: input.task_type });
  const timer = deps.metrics.publishDuration.startTimer();
  try {
    await deps.publisher.publish({
      exchange: deps.topology.taskExchange,
      routingKey: workRoutingKey(input.task_type, plan.priority),
      body: Buffer.from(JSON.stringify(payload)),
      messageId: id,
      type: input.task_type,
      ...(ctx.traceparent === undefined ? {} : { headers: { traceparent: ctx.traceparent } }),
    });
    timer({ outcome: 'confirmed' });
  } catch (err) {
    timer({ outcome: 'not_confirmed' });
    // Only a record that exists can be marked; a failed write leaves nothing to mark.
    await recordWritten.catch(() => undefined);
    const outcome = await deps.storage.records.update(id, (current) => taskNotAccepted(current, new Date()));
    if (!outcome.applied && outcome.record !== undefined) {
      // A worker already took the message: the broker had it after all, so it is accepted.
      log.warn({ err, status: outcome.record.status }, 'publish unconfirmed but a worker already took the task; accepting it');
      deps.metrics.tasksSubmitted.inc({ task_type: input.task_type, outcome: 'accepted' });
      return outcome.record;
    }
    log.warn({ err }, 'task not accepted: no broker confirm');
    deps.metrics.tasksSubmitted.inc({ task_type: input.task_type, outcome: 'not_accepted' });
    throw new HttpProblem('broker_unavailable', `the task was not accepted: ${notAcceptedWhy(err)}; retry later`, undefined, {
      'Retry-After': String(deps.retryAfterSeconds),
    });
  }
  try {
    await recordWritten;
  } catch (err) {
    // The broker holds the task, so it is accepted (a 5xx would invite a duplicate); the worker
    // that takes it writes the record.
    log.error({ err }, 'task accepted but its record could not be written; the worker will create it');
  }
  deps.metrics.tasksSubmitted.inc({ task_type: input.task_type, outcome: 'accepted' });
  return record;
}

/** What happened to an unconfirmed publish, in words a client can read. */
function notAcceptedWhy(err: unknown): string {
  return err instanceof NotAcceptedError ? err.message : 'the broker did not confirm it';
}

/** The 202 body, and what `Location` points to. */
export function acceptedBody(record: TaskRecord) {
  const self = `/v1/tasks/${record.id}`;
  return {
    id: record.id,
    task_type: record.task_type,
    status: record.status,
    links: { self, result: `${self}/result` },
  };
}
