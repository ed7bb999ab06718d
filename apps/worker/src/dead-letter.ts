import type { ErrorCode, Topology } from '@offload/contracts';
import type { Delivery, Publisher } from '@offload/broker';
import { DEAD_LETTER_HEADERS } from '@offload/dead-letters';
import { activeTraceparent, traceEvent } from '@offload/telemetry';

const MAX_ERROR_LENGTH = 2_000;

export interface DeadLetterInfo {
  code: ErrorCode;
  message: string;
  /** The operator's version of `message`, when it says more. */
  detail?: string;
  attempts: number;
  taskType: string;
}

/**
 * Copies a delivery to the dead-letter exchange with the reason and last error; confirmed. The
 * copy keeps the signature it came with (or none): a re-drive verifies it before it runs again.
 */
export async function publishDeadLetter(publisher: Publisher, topology: Topology, delivery: Delivery, info: DeadLetterInfo): Promise<void> {
  const headers: Record<string, string | number | boolean> = {};
  for (const [name, value] of Object.entries(delivery.headers)) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') headers[name] = value;
  }
  headers[DEAD_LETTER_HEADERS.reason] = info.code;
  headers[DEAD_LETTER_HEADERS.error] = info.message.slice(0, MAX_ERROR_LENGTH);
  if (info.detail !== undefined && info.detail !== info.message) headers[DEAD_LETTER_HEADERS.errorDetail] = info.detail.slice(0, MAX_ERROR_LENGTH);
  headers[DEAD_LETTER_HEADERS.attempts] = info.attempts;
  headers[DEAD_LETTER_HEADERS.taskType] = info.taskType;
  headers[DEAD_LETTER_HEADERS.sourceQueue] = delivery.queue;
  headers[DEAD_LETTER_HEADERS.at] = new Date().toISOString();
  // With tracing on: an event on the process span, and the copy continues from it (a re-drive
  // then stays in the task's trace).
  traceEvent('offload.dead_letter', { 'offload.task.id': delivery.messageId ?? 'unknown', 'offload.dead_letter.reason': info.code, 'offload.task.attempt': info.attempts });
  const traceparent = activeTraceparent();
  if (traceparent !== undefined) headers.traceparent = traceparent;
  await publisher.publish({
    exchange: topology.deadLetterExchange,
    routingKey: info.taskType,
    body: delivery.body,
    messageId: delivery.messageId ?? 'unknown',
    type: info.taskType,
    headers,
    sign: false,
  });
}
