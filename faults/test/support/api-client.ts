import { randomUUID } from 'node:crypto';
import sharp from 'sharp';
import { taskRecordSchema, type TaskRecord } from '@offload/contracts';

/** How the API answered one submission. */
export type Submission =
  /** 202: the body names the task. */
  | { outcome: 'accepted'; idempotencyKey: string; id: string }
  /** 503: not accepted. The body names no task; the Idempotency-Key leads to the one written. */
  | { outcome: 'not_accepted'; idempotencyKey: string }
  /** Any other answer, or none: the client cannot tell whether the task was accepted. */
  | { outcome: 'indeterminate'; idempotencyKey: string; detail: string };

const REQUEST_TIMEOUT_MS = 15_000;

/** The HTTP client of the faults suite: what a real client of the API does, nothing more. */
export interface ApiClient {
  readonly base: string;
  /** Uploads one small JPEG; returns its upload key. */
  uploadImage(): Promise<string>;
  /** POST /v1/tasks with a watermark task whose text is the fault script; never throws. */
  submit(imageKey: string, script: string): Promise<Submission>;
  record(id: string): Promise<TaskRecord | undefined>;
}

export function apiClient(base: string): ApiClient {
  return {
    base,
    async uploadImage() {
      const jpeg = await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 200, g: 80, b: 40 } } }).jpeg().toBuffer();
      const form = new FormData();
      form.append('file', new Blob([new Uint8Array(jpeg)], { type: 'image/jpeg' }), 'fault.jpg');
      const res = await fetch(`${base}/v1/uploads`, { method: 'POST', body: form, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
      const body: unknown = await res.json();
      const key = typeof body === 'object' && body !== null ? Reflect.get(body, 'key') : undefined;
      if (res.status !== 201 || typeof key !== 'string') throw new Error(`upload failed: ${res.status} ${JSON.stringify(body)}`);
      return key;
    },
    async submit(imageKey, script) {
      const idempotencyKey = randomUUID();
      try {
        const res = await fetch(`${base}/v1/tasks`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', 'Idempotency-Key': idempotencyKey },
          body: JSON.stringify({ task_type: 'watermark', content: { image: imageKey, watermark: { text: script } } }),
          signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        });
        const body: unknown = await res.json().catch(() => undefined);
        const id = typeof body === 'object' && body !== null ? Reflect.get(body, 'id') : undefined;
        if (res.status === 202 && typeof id === 'string') return { outcome: 'accepted', idempotencyKey, id };
        if (res.status === 503) return { outcome: 'not_accepted', idempotencyKey };
        return { outcome: 'indeterminate', idempotencyKey, detail: `${res.status} ${JSON.stringify(body)}` };
      } catch (err) {
        return { outcome: 'indeterminate', idempotencyKey, detail: err instanceof Error ? err.message : String(err) };
      }
    },
    async record(id) {
      const res = await fetch(`${base}/v1/tasks/${id}`, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
      if (res.status === 404) return undefined;
      if (!res.ok) throw new Error(`GET /v1/tasks/${id}: ${res.status}`);
      return taskRecordSchema.parse(await res.json());
    },
  };
}
