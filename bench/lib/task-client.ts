import sharp from 'sharp';
import type { TaskInput } from '@offload/contracts';
import { windowed } from './windowed';

/** The times of a task record the scheduling row reads (`GET /v1/tasks/:id`). */
export interface RecordTimes {
  id: string;
  status: string;
  created_at: string;
  run_at?: string;
  started_at?: string;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;
const optionalString = (value: unknown): value is string | undefined => value === undefined || typeof value === 'string';

function recordTimes(body: unknown): RecordTimes {
  if (!isObject(body) || typeof body.id !== 'string' || typeof body.status !== 'string' || typeof body.created_at !== 'string' || !optionalString(body.run_at) || !optionalString(body.started_at)) {
    throw new Error(`not a task record: ${JSON.stringify(body).slice(0, 200)}`);
  }
  return {
    id: body.id,
    status: body.status,
    created_at: body.created_at,
    ...(body.run_at !== undefined ? { run_at: body.run_at } : {}),
    ...(body.started_at !== undefined ? { started_at: body.started_at } : {}),
  };
}

/** Uploads one small PNG through `POST /v1/uploads`; returns its key, for watermark tasks to name. */
export async function uploadSmallPng(base: string): Promise<string> {
  const png = await sharp({ create: { width: 16, height: 16, channels: 3, background: '#2a6f97' } })
    .png()
    .toBuffer();
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(png)], { type: 'image/png' }), 'mark.png');
  const res = await fetch(`${base}/v1/uploads`, { method: 'POST', body: form });
  const body: unknown = await res.json();
  if (res.status !== 201 || !isObject(body) || typeof body.key !== 'string') throw new Error(`POST /v1/uploads answered ${res.status}: ${JSON.stringify(body).slice(0, 200)}`);
  return body.key;
}

/** `POST /v1/tasks`; returns the new task's id (a 202 is required). */
export async function submitTask(base: string, input: TaskInput): Promise<string> {
  const res = await fetch(`${base}/v1/tasks`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(input) });
  const body: unknown = await res.json();
  if (res.status !== 202 || !isObject(body) || typeof body.id !== 'string') throw new Error(`POST /v1/tasks answered ${res.status}: ${JSON.stringify(body).slice(0, 300)}`);
  return body.id;
}

/** Reads each task's record through `GET /v1/tasks/:id`, `concurrency` requests at a time. */
export async function readRecords(base: string, ids: readonly string[], concurrency = 16): Promise<RecordTimes[]> {
  const records: RecordTimes[] = new Array<RecordTimes>(ids.length);
  await windowed(ids.length, concurrency, async (i) => {
    const res = await fetch(`${base}/v1/tasks/${ids[i] ?? ''}`);
    if (res.status !== 200) throw new Error(`GET /v1/tasks/${ids[i] ?? ''} answered ${res.status}`);
    records[i] = recordTimes(await res.json());
  });
  return records;
}
