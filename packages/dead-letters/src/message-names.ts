import { z } from 'zod';
import type { DeadLetterEntry } from '@offload/broker';
import { DEAD_LETTER_HEADERS } from './headers';

/** The task id and type a message names, each only when it is well-formed. */
export interface MessageNames {
  /** A UUID, lower case: what `--id` accepts. */
  id: string | undefined;
  task_type: string | undefined;
}

// The same check as `--id`, so every id `list` shows can be selected.
const uuidSchema = z.uuid();

/**
 * A task type as a producer would spell one: a letter, then at most 31 letters, digits, `_`,
 * `-` or `.`. Anything else (spaces, control characters, a page of text) is not shown: the
 * table goes to a terminal, and the field came from whoever published the message.
 */
export const TASK_TYPE_PATTERN = /^[A-Za-z][A-Za-z0-9_.-]{0,31}$/;

/** What the worker writes as type and message id when a message carried none (consumer.ts). */
const PLACEHOLDER = 'unknown';

/**
 * What a message that is not a valid envelope says about itself: the AMQP properties first
 * (offload's task-type header, `type`, `messageId`), else the body's `task_type` and `id` if it
 * is a JSON object. A value that is not a UUID or a short identifier counts as not named.
 */
export function messageNames(entry: Pick<DeadLetterEntry, 'body' | 'messageId' | 'type' | 'headers'>): MessageNames {
  let body: BodyNames | undefined;
  const fromBody = () => (body ??= bodyNames(entry.body));
  return {
    id: taskId(entry.messageId) ?? taskId(fromBody().id),
    task_type: taskType(entry.headers[DEAD_LETTER_HEADERS.taskType]) ?? taskType(entry.type) ?? taskType(fromBody().task_type),
  };
}

function taskId(value: unknown): string | undefined {
  return uuidSchema.safeParse(value).success ? String(value).toLowerCase() : undefined;
}

function taskType(value: unknown): string | undefined {
  return typeof value === 'string' && value !== PLACEHOLDER && TASK_TYPE_PATTERN.test(value) ? value : undefined;
}

interface BodyNames {
  id?: unknown;
  task_type?: unknown;
}

const bodyNamesSchema = z.looseObject({ id: z.unknown().optional(), task_type: z.unknown().optional() });

function bodyNames(body: Buffer): BodyNames {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch {
    return {};
  }
  const parsed = bodyNamesSchema.safeParse(json);
  return parsed.success ? { id: parsed.data.id, task_type: parsed.data.task_type } : {};
}
