import { randomBytes, randomUUID } from 'node:crypto';
import { readdir, readlink } from 'node:fs/promises';
import type { Server } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { outputKey } from '@offload/storage';
import { waitUntil } from '@offload/test-support';
import { createHttpServer } from '../src/http-server';
import { createApiHarness, type ApiHarness } from './harness';
import { blobFiles } from './fixtures';

/** Paths this process holds open, from /proc (Linux). */
async function openFiles(): Promise<string[]> {
  const fds = await readdir('/proc/self/fd');
  const targets = await Promise.all(fds.map((fd) => readlink(`/proc/self/fd/${fd}`).catch(() => '')));
  return targets.filter((t) => t.startsWith('/'));
}

describe('transfers the client abandons', () => {
  let harness: ApiHarness;
  let server: Server;
  let port: number;

  beforeAll(async () => {
    harness = await createApiHarness({ uploadMaxBytes: 64 * 1024 * 1024 });
    server = createHttpServer(harness.app, { requestTimeoutMs: 60_000, idleTimeoutMs: 30_000 }, harness.logger);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    port = typeof address === 'object' && address !== null ? address.port : 0;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await harness.close();
  });

  it('closes the output file at once when 50 downloads are cut after their first bytes', async () => {
    const id = randomUUID();
    const key = outputKey(id, 'png');
    // Larger than every socket buffer on the way, so no download can finish by itself.
    await harness.storage.blobs.put(key, randomBytes(8 * 1024 * 1024));
    const at = new Date().toISOString();
    await harness.storage.records.create({
      id,
      task_type: 'watermark',
      status: 'succeeded',
      attempts: 1,
      created_at: at,
      updated_at: at,
      finished_at: at,
      result: { output_key: key, content_type: 'image/png' },
    });
    const path = harness.storage.blobs.localPath(key) ?? '';
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.message);
    process.on('warning', onWarning);
    try {
      await Promise.all(
        Array.from(
          { length: 50 },
          () =>
            new Promise<void>((resolve) => {
              const socket = connect(port, '127.0.0.1', () => socket.write(`GET /v1/tasks/${id}/result HTTP/1.1\r\nHost: x\r\n\r\n`));
              socket.once('data', () => {
                socket.destroy();
                resolve();
              });
              socket.on('error', () => resolve());
            }),
        ),
      );
      await waitUntil(async () => !(await openFiles()).includes(path), { timeoutMs: 5_000, description: `every handle on ${path} to be closed` });
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings.filter((w) => /file descriptor|DEP0137/i.test(w))).toEqual([]);
    // And the server still answers in full to a client that stays.
    const whole = await request(server).get(`/v1/tasks/${id}/result`).buffer(true).expect(200);
    expect((whole.body as Buffer).length).toBe(8 * 1024 * 1024);
  });

  it('removes the partial upload and its temp file when the client goes away mid-body', async () => {
    const before = await blobFiles(harness.dataDir);
    await new Promise<void>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.write(
          `POST /v1/uploads HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=XyZ\r\nContent-Length: 10000000\r\n\r\n` +
            '--XyZ\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\nContent-Type: text/csv\r\n\r\n',
        );
        socket.write(`a,b\n${'1,2\n'.repeat(100_000)}`, () => setTimeout(() => socket.destroy(), 100));
      });
      socket.on('close', () => resolve());
      socket.on('error', () => undefined);
    });
    await waitUntil(async () => (await blobFiles(harness.dataDir)).join() === before.join(), { timeoutMs: 5_000, description: 'the partial upload to be removed' });
    expect((await openFiles()).filter((f) => f.startsWith(join(harness.dataDir, 'blobs')))).toEqual([]);
  });
});
