import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { expect } from '@jest/globals';
import type { Response } from 'supertest';
import { rawConnection, waitUntil } from '@offload/test-support';

/** An upload key as the server issues them. */
export const UPLOAD_KEY = /^up_[0-9a-f]{32}$/;
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A small real image, encoded by sharp. */
export async function testImage(format: 'jpeg' | 'png' | 'webp', width = 32, height = 24): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: 200, g: 80, b: 40 } } })
    .toFormat(format)
    .toBuffer();
}

/** Bytes that are neither an image nor text: every byte value, repeated. */
export function binaryBytes(length = 1024): Buffer {
  return Buffer.from(Array.from({ length }, (_, i) => i % 256));
}

/** Asserts an RFC 9457 problem answer and returns its body. */
export function expectProblem(res: Response, status: number, code: string): ProblemBody {
  expect({ status: res.status, code: (res.body as Partial<ProblemBody>).code }).toEqual({ status, code });
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = res.body as ProblemBody;
  expect(body).toEqual(expect.objectContaining({ type: expect.any(String), title: expect.any(String), status, detail: expect.any(String) }));
  return body;
}

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  errors?: { path: string; message: string; code: string }[];
}

/** The `path` of every field problem, sorted. */
export function errorPaths(body: ProblemBody): string[] {
  return (body.errors ?? []).map((e) => e.path).sort();
}

/** Files under `<dataDir>/blobs`, temp files included, sorted. */
export async function blobFiles(dataDir: string): Promise<string[]> {
  return (await readdir(join(dataDir, 'blobs'))).sort();
}

type RawChannel = Awaited<ReturnType<Awaited<ReturnType<typeof rawConnection>>['createChannel']>>;
export type QueuedMessage = Exclude<Awaited<ReturnType<RawChannel['get']>>, false>;

/**
 * Reads what the API published, straight off the work queues (no worker runs in these tests).
 * Messages read while looking for one task are kept, so each test can take its own by id.
 */
export interface QueueReader {
  take(queue: string, taskId: string): Promise<QueuedMessage>;
  /** Messages seen on `queue` so far (after draining what is there now). */
  drain(queue: string): Promise<QueuedMessage[]>;
  close(): Promise<void>;
}

export async function openQueueReader(): Promise<QueueReader> {
  const connection = await rawConnection();
  const channel = await connection.createChannel();
  const seen = new Map<string, QueuedMessage[]>();
  const pull = async (queue: string): Promise<QueuedMessage[]> => {
    const list = seen.get(queue) ?? [];
    seen.set(queue, list);
    for (;;) {
      const message = await channel.get(queue, { noAck: true });
      if (message === false) return list;
      list.push(message);
    }
  };
  return {
    take: (queue, taskId) =>
      waitUntil(async () => (await pull(queue)).find((m) => m.properties.messageId === taskId), {
        timeoutMs: 10_000,
        description: `task ${taskId} on ${queue}`,
      }),
    drain: pull,
    async close() {
      await channel.close();
      await connection.close();
    },
  };
}

/** The JSON body of a queued message. */
export function messageBody(message: QueuedMessage): Record<string, unknown> {
  return JSON.parse(message.content.toString('utf8')) as Record<string, unknown>;
}
