import { z } from 'zod';
import { DEFAULT_TENANT, tenantSchema } from './access';
import type { TaskInput } from './task-input';
import { TASK_PRIORITIES, type TaskPriority } from './task-record';
import { TASK_TYPE_REGISTRY, TASK_TYPES, type ContentOf, type TaskType } from './task-types/index';

/**
 * The major version of the message envelope. A worker accepts every message of its major
 * version and ignores fields it does not know; a breaking change bumps this number.
 */
export const TASK_PAYLOAD_VERSION = 1;

const envelopeFields = {
  v: z.literal(TASK_PAYLOAD_VERSION),
  id: z.uuid(),
  created_at: z.iso.datetime({ offset: true }),
  retry_count: z.number().int().min(0).describe('Retryable failures so far; the worker increments it on each retry'),
  tenant: tenantSchema.optional().describe('The tenant the task belongs to; absent: `default`'),
  priority: z.enum(TASK_PRIORITIES).optional().describe('Absent: `normal`; retries and re-drives keep it'),
};

/** The envelope of a task of one type. */
export type TaskPayloadOf<T extends TaskType> = {
  v: typeof TASK_PAYLOAD_VERSION;
  id: string;
  task_type: T;
  content: ContentOf<T>;
  created_at: string;
  retry_count: number;
  tenant?: string;
  priority?: TaskPriority;
};
/** The TaskPayload envelope: the body of every task message, a union over the registry. */
export type TaskPayload = { [T in TaskType]: TaskPayloadOf<T> }[TaskType];

/**
 * The TaskPayload envelope: the body of every task message. `task_type` selects the content
 * schema. Objects are lenient (unknown fields are dropped), so a rolling deploy that adds an
 * optional field never dead-letters healthy tasks.
 */
export const taskPayloadSchema = z.discriminatedUnion(
  'task_type',
  // One lenient object per registered type; the cast states the union the options make.
  TASK_TYPES.map((t) => z.object({ ...envelopeFields, task_type: z.literal(t), content: TASK_TYPE_REGISTRY[t].content })) as unknown as [
    z.ZodObject<{ task_type: z.ZodLiteral<TaskType>; content: z.ZodType }>,
  ],
) as unknown as z.ZodType<TaskPayload, unknown>;

export type DecodeResult =
  | { ok: true; payload: TaskPayload }
  | { ok: false; reason: 'not_json' | 'invalid'; message: string; issues: z.core.$ZodIssue[] };

/** Serialises a payload after validating it, so nothing invalid is ever published. */
export function encodeTaskPayload(payload: TaskPayload): string {
  return JSON.stringify(taskPayloadSchema.parse(payload));
}

/**
 * The envelope of a new task from client input that `taskInputSchema` has just validated, built
 * without validating the content a second time: the strict input schemas accept a subset of what
 * the lenient envelope does (a test holds that for every task type), and `id` and `createdAt`
 * come from the server (a UUID and `Date#toISOString`).
 */
export function newTaskPayload(input: TaskInput, id: string, createdAt: string, tenant: string = DEFAULT_TENANT, priority?: TaskPriority): TaskPayload {
  // The same discriminated union, now carrying its envelope fields.
  return {
    v: TASK_PAYLOAD_VERSION,
    id,
    task_type: input.task_type,
    content: input.content,
    created_at: createdAt,
    retry_count: 0,
    tenant,
    ...(priority === 'high' ? { priority } : {}),
  } as TaskPayload;
}

/** Every issue as `path: message`, on one line: `content.image: Invalid input; v: expected 1`. */
function oneLineIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .map((issue) => {
      const path = issue.path.map(String).join('.');
      const message = issue.message.replace(/\s+/g, ' ');
      return path === '' ? message : `${path}: ${message}`;
    })
    .join('; ');
}

/** Parses and validates a message body. Never throws: a bad message is a value to dead-letter. */
export function decodeTaskPayload(body: Uint8Array | string): DecodeResult {
  let json: unknown;
  try {
    json = JSON.parse(typeof body === 'string' ? body : new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch (err) {
    return { ok: false, reason: 'not_json', message: `body is not UTF-8 JSON: ${String(err)}`, issues: [] };
  }
  const parsed = taskPayloadSchema.safeParse(json);
  if (!parsed.success) {
    return { ok: false, reason: 'invalid', message: oneLineIssues(parsed.error.issues), issues: parsed.error.issues };
  }
  return { ok: true, payload: parsed.data };
}
