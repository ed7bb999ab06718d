import { randomUUID } from 'node:crypto';
import { encodeTaskPayload, type TaskPayload, type TaskPriority } from '@offload/contracts';

/** Every queue-overhead message is about this size, on every side (offload, raw amqplib, BullMQ). */
export const TASK_BODY_BYTES = 1024;

/** Never read: the no-op handler writes nothing. A well-formed key so the envelope validates. */
const FAKE_UPLOAD = `up_${'0'.repeat(32)}`;
const PADDING_FIELD = 'bench_padding';

function envelope(sentAtMs: number, priority?: TaskPriority): TaskPayload {
  return {
    v: 1,
    id: randomUUID(),
    task_type: 'watermark',
    content: { image: FAKE_UPLOAD, watermark: { text: `t=${sentAtMs.toFixed(3)}`, position: 'bottom-right', tile: false, opacity: 0.5, size: 0.25, margin: 0.02 } },
    created_at: new Date(sentAtMs).toISOString(),
    retry_count: 0,
    ...(priority === 'high' ? { priority } : {}),
  };
}

// The envelope's size varies by a few bytes only (the time's digits): pad once, to the mean.
const PADDING = 'x'.repeat(Math.max(0, TASK_BODY_BYTES - Buffer.byteLength(encodeTaskPayload(envelope(Date.now()))) - `,"${PADDING_FIELD}":""`.length));

/**
 * A `watermark` task whose text carries its publish time (`t=<epoch ms>`), padded to ~1 KB with a
 * field the worker does not know (workers ignore unknown fields by design: DESIGN.md). This is
 * what the baselines move (as JSON bytes, or as BullMQ job data).
 */
export function noopPayload(sentAtMs: number): TaskPayload & { [PADDING_FIELD]: string } {
  return { ...envelope(sentAtMs), [PADDING_FIELD]: PADDING };
}

/**
 * The same task as offload's producers send it: validated by the contracts' encoder first. With
 * `high`, the envelope says so as the API's would (`"priority":"high"`, 19 bytes more).
 */
export function offloadNoopTask(sentAtMs: number, priority?: TaskPriority): { id: string; body: Buffer } {
  const payload = envelope(sentAtMs, priority);
  const json = encodeTaskPayload(payload);
  return { id: payload.id, body: Buffer.from(`${json.slice(0, -1)},"${PADDING_FIELD}":"${PADDING}"}`) };
}

/** The publish time a task's text carries. */
export function sentAtOf(text: string | undefined): number {
  return Number(text?.slice(2));
}

/** The publish time of a raw body (the baselines do not run the contracts' decoder). */
export function sentAtOfBody(body: Buffer): number {
  const parsed = JSON.parse(body.toString('utf8')) as { content?: { watermark?: { text?: string } } };
  return sentAtOf(parsed.content?.watermark?.text);
}
