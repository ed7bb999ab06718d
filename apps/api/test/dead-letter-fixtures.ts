import { randomUUID } from 'node:crypto';
import { encodeTaskPayload, taskCreated, taskFailed, type ErrorCode, type TaskPayload } from '@offload/contracts';
import { openDeadLetterQueue } from '@offload/broker';
import { DEAD_LETTER_HEADERS } from '@offload/dead-letters';
import type { ApiHarness } from './harness';

/** What a worker dead-letters: the task type and the reason its headers carry. */
export interface DeadLetterSpec {
  task_type?: 'watermark' | 'thumbnail';
  reason?: ErrorCode;
  error?: string;
}

const IMAGE = `up_${'0'.repeat(32)}`;

function payloadOf(id: string, taskType: 'watermark' | 'thumbnail'): TaskPayload {
  const created_at = new Date().toISOString();
  return taskType === 'watermark'
    ? { v: 1, id, task_type: 'watermark', content: { image: IMAGE, watermark: { text: 'x', position: 'bottom-right', tile: false, opacity: 0.5, size: 0.25, margin: 0.02 } }, created_at, retry_count: 2 }
    : { v: 1, id, task_type: 'thumbnail', content: { image: IMAGE, widths: [64], fit: 'inside', enlarge: false, format: 'webp' }, created_at, retry_count: 0 };
}

/**
 * Does what a worker does when it gives up on a task: the record ends `failed` with the reason,
 * and the envelope goes to the dead-letter exchange with offload's headers (confirmed). No worker
 * runs in the API's tests, so nothing takes the re-driven message off its work queue.
 */
export async function deadLetterTask(h: ApiHarness, spec: DeadLetterSpec = {}): Promise<string> {
  const id = randomUUID();
  const taskType = spec.task_type ?? 'watermark';
  const reason = spec.reason ?? 'corrupt_image';
  const error = spec.error ?? `the image is broken (${reason})`;
  const payload = payloadOf(id, taskType);
  await h.storage.records.create(taskCreated(payload, new Date()));
  await h.storage.records.update(id, (record) => taskFailed(record, new Date(), { code: reason, message: error }));
  await h.publisher.publish({
    exchange: h.topology.deadLetterExchange,
    routingKey: taskType,
    body: Buffer.from(encodeTaskPayload(payload)),
    messageId: id,
    type: taskType,
    headers: {
      [DEAD_LETTER_HEADERS.reason]: reason,
      [DEAD_LETTER_HEADERS.error]: error,
      [DEAD_LETTER_HEADERS.attempts]: payload.retry_count + 1,
      [DEAD_LETTER_HEADERS.taskType]: taskType,
      [DEAD_LETTER_HEADERS.sourceQueue]: h.topology.workQueues[taskType],
      [DEAD_LETTER_HEADERS.at]: new Date().toISOString(),
    },
    sign: false,
  });
  return id;
}

/** A dead letter whose body is not an envelope (a poison message): listed, never re-driven. */
export async function deadLetterPoison(h: ApiHarness): Promise<string> {
  const id = randomUUID();
  await h.publisher.publish({
    exchange: h.topology.deadLetterExchange,
    routingKey: 'watermark',
    body: Buffer.from('this is not json'),
    messageId: id,
    type: 'watermark',
    headers: { [DEAD_LETTER_HEADERS.reason]: 'invalid_message', [DEAD_LETTER_HEADERS.error]: 'invalid message: body is not UTF-8 JSON', [DEAD_LETTER_HEADERS.attempts]: 1 },
    sign: false,
  });
  return id;
}

/** The message ids in the dead-letter queue, in queue order; reading hands them all back. */
export async function deadLetterIds(h: ApiHarness): Promise<(string | undefined)[]> {
  const reader = await openDeadLetterQueue({ manager: h.manager, queue: h.topology.deadLetterQueue });
  try {
    return (await reader.readAll()).map((entry) => entry.messageId);
  } finally {
    await reader.close();
  }
}

export const sorted = (values: readonly (string | undefined)[]): (string | undefined)[] => [...values].sort();
