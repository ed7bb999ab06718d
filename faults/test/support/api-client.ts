import { randomUUID } from 'node:crypto';
import sharp from 'sharp';
import { taskRecordSchema, type TaskRecord } from '@offload/contracts';

/**
 * How the API answered one submission. `idempotencyKey` is the request's Idempotency-Key, absent
 * when it was sent without one.
 */
export type Submission =
  /** 202: the body names the task. */
  | { outcome: 'accepted'; idempotencyKey?: string; id: string }
  /**
   * 503: not accepted, for the reason `code` gives (broker_unavailable, store_unavailable). The
   * body names no task; the Idempotency-Key leads to the one written.
   */
  | { outcome: 'not_accepted'; idempotencyKey?: string; code?: string }
  /** Any other answer, or none: the client cannot tell whether the task was accepted. */
  | { outcome: 'indeterminate'; idempotencyKey?: string; detail: string };

export interface SubmitOptions {
  /** Send an Idempotency-Key (a fresh one). @defaultValue true */
  idempotencyKey?: boolean;
}

/** How the API answered a read: the status and, for a problem, its code and Retry-After. */
export type ReadAnswer =
  | { status: number; code?: string; retryAfter?: string }
  /** No answer at all (timeout, reset). */
  | { status: 'no_answer'; detail: string };

const REQUEST_TIMEOUT_MS = 15_000;

/** The HTTP client of the faults suite: what a real client of the API does, nothing more. */
export interface ApiClient {
  readonly base: string;
  /** Uploads one small JPEG; returns its upload key. */
  uploadImage(): Promise<string>;
  /** POST /v1/tasks with a watermark task whose text is the fault script; never throws. */
  submit(imageKey: string, script: string, options?: SubmitOptions): Promise<Submission>;
  record(id: string): Promise<TaskRecord | undefined>;
  /** GET /v1/tasks/<id>, as a client sees it, whatever the answer; never throws. */
  read(id: string): Promise<ReadAnswer>;
  /** GET of any path (`/v1/tasks?status=failed`), as `read`; never throws. */
  get(path: string): Promise<ReadAnswer>;
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
    async submit(imageKey, script, options = {}) {
      const idempotencyKey = options.idempotencyKey === false ? undefined : randomUUID();
      const keyed = idempotencyKey === undefined ? {} : { idempotencyKey };
      try {
        const res = await fetch(`${base}/v1/tasks`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', ...(idempotencyKey === undefined ? {} : { 'Idempotency-Key': idempotencyKey }) },
          body: JSON.stringify({ task_type: 'watermark', content: { image: imageKey, watermark: { text: script } } }),
          signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        });
        const body: unknown = await res.json().catch(() => undefined);
        const id = typeof body === 'object' && body !== null ? Reflect.get(body, 'id') : undefined;
        if (res.status === 202 && typeof id === 'string') return { outcome: 'accepted', ...keyed, id };
        if (res.status === 503) {
          const code = problemCode(body);
          return { outcome: 'not_accepted', ...keyed, ...(code === undefined ? {} : { code }) };
        }
        return { outcome: 'indeterminate', ...keyed, detail: `${res.status} ${JSON.stringify(body)}` };
      } catch (err) {
        return { outcome: 'indeterminate', ...keyed, detail: err instanceof Error ? err.message : String(err) };
      }
    },
    async record(id) {
      const res = await fetch(`${base}/v1/tasks/${id}`, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
      if (res.status === 404) return undefined;
      if (!res.ok) throw new Error(`GET /v1/tasks/${id}: ${res.status}`);
      return taskRecordSchema.parse(await res.json());
    },
    read(id) {
      return this.get(`/v1/tasks/${id}`);
    },
    async get(path) {
      try {
        const res = await fetch(`${base}${path}`, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
        const body: unknown = await res.json().catch(() => undefined);
        const code = res.ok ? undefined : problemCode(body);
        const retryAfter = res.headers.get('retry-after') ?? undefined;
        return { status: res.status, ...(code === undefined ? {} : { code }), ...(retryAfter === undefined ? {} : { retryAfter }) };
      } catch (err) {
        return { status: 'no_answer', detail: err instanceof Error ? err.message : String(err) };
      }
    },
  };
}

/** The `code` of a problem body (RFC 9457 with our extension), if it is one. */
function problemCode(body: unknown): string | undefined {
  const code = typeof body === 'object' && body !== null ? Reflect.get(body, 'code') : undefined;
  return typeof code === 'string' ? code : undefined;
}
