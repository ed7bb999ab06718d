import { connect, type Socket } from 'node:net';
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { waitUntil } from '@offload/test-support';
import { createHttpServer } from '../src/http-server';
import { createApiHarness, type ApiHarness } from './harness';
import { blobFiles } from './fixtures';

const REQUEST_TIMEOUT_MS = 2_000;
const IDLE_TIMEOUT_MS = 700;

/** What came back on a raw connection until the server closed it. */
interface RawAnswer {
  status: number | undefined;
  contentType: string | undefined;
  body: unknown;
  closedAfterMs: number;
}

/** Opens a raw connection, lets `drive` write to it, and collects the answer until the server closes it. */
function rawExchange(port: number, drive: (socket: Socket) => (() => void) | void): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const chunks: Buffer[] = [];
    const socket = connect(port, '127.0.0.1');
    let stop: (() => void) | void;
    socket.on('connect', () => {
      stop = drive(socket);
    });
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', (err: NodeJS.ErrnoException) => {
      // The server may reset a connection it closes while we still write; what it said counts.
      if (err.code !== 'ECONNRESET' && err.code !== 'EPIPE') reject(err);
    });
    socket.on('close', () => {
      if (typeof stop === 'function') stop();
      const text = Buffer.concat(chunks).toString('utf8');
      const [head = '', body = ''] = text.split('\r\n\r\n');
      const status = /^HTTP\/1\.1 (\d{3})/.exec(head)?.[1];
      const contentType = /^content-type: *(.+)$/im.exec(head)?.[1]?.trim();
      let parsed: unknown = body;
      try {
        parsed = JSON.parse(body);
      } catch {
        // not JSON: keep the text
      }
      resolve({ status: status === undefined ? undefined : Number(status), contentType, body: parsed, closedAfterMs: Date.now() - started });
    });
  });
}

const MULTIPART_HEAD = (port: number, length: number) =>
  `POST /v1/uploads HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: multipart/form-data; boundary=XyZ\r\nContent-Length: ${length}\r\n\r\n` +
  '--XyZ\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\nContent-Type: text/csv\r\n\r\ncity,temp\n';

describe('slow and stalled clients', () => {
  let harness: ApiHarness;
  let server: Server;
  let port: number;

  beforeAll(async () => {
    harness = await createApiHarness();
    server = createHttpServer(harness.app, { requestTimeoutMs: REQUEST_TIMEOUT_MS, idleTimeoutMs: IDLE_TIMEOUT_MS }, harness.logger);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    port = typeof address === 'object' && address !== null ? address.port : 0;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await harness.close();
  });

  const openConnections = () => new Promise<number>((resolve, reject) => server.getConnections((err, n) => (err ? reject(err) : resolve(n))));

  it('answers 408 problem+json and closes the connection when a body trickles in past the request timeout', async () => {
    const before = await blobFiles(harness.dataDir);
    const answer = await rawExchange(port, (socket) => {
      socket.write(MULTIPART_HEAD(port, 1_000_000));
      // One byte every 200 ms: never idle, never done.
      const timer = setInterval(() => socket.writable && socket.write('1'), 200);
      return () => clearInterval(timer);
    });
    expect(answer.status).toBe(408);
    expect(answer.contentType).toMatch(/^application\/problem\+json/);
    expect(answer.body).toEqual(expect.objectContaining({ status: 408, code: 'request_timeout' }));
    expect((answer.body as { detail: string }).detail).toContain(`${REQUEST_TIMEOUT_MS} ms`);
    // The half-written upload is removed, not left in storage.
    await waitUntil(async () => (await blobFiles(harness.dataDir)).join() === before.join() || undefined, { timeoutMs: 5_000, description: 'the partial upload to be removed' }).catch(async (err: unknown) => {
      throw new Error(`${String(err)}: ${(await blobFiles(harness.dataDir)).join()} (before: ${before.join()})`);
    });
  });

  it('answers 408 when a client sends headers and part of a body, then nothing', async () => {
    const answer = await rawExchange(port, (socket) => {
      socket.write(MULTIPART_HEAD(port, 1_000_000));
    });
    expect(answer.status).toBe(408);
    expect(answer.body).toEqual(expect.objectContaining({ code: 'request_timeout' }));
    expect((answer.body as { detail: string }).detail).toContain(`no bytes received for ${IDLE_TIMEOUT_MS} ms`);
  });

  it('answers 408 when a JSON body stalls', async () => {
    const answer = await rawExchange(port, (socket) => {
      socket.write(`POST /v1/tasks HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{"task_type":`);
    });
    expect(answer.status).toBe(408);
    expect(answer.body).toEqual(expect.objectContaining({ code: 'request_timeout' }));
  });

  it('answers 408 problem+json when the headers never finish', async () => {
    const answer = await rawExchange(port, (socket) => {
      socket.write('GET /livez HTTP/1.1\r\nHost: x\r\n');
      const timer = setInterval(() => socket.writable && socket.write('X-Slow: 1\r\n'), 200);
      return () => clearInterval(timer);
    });
    expect(answer.status).toBe(408);
    expect(answer.contentType).toMatch(/^application\/problem\+json/);
    expect(answer.body).toEqual(expect.objectContaining({ code: 'request_timeout' }));
  });

  it('answers 400 problem+json to bytes that are not HTTP', async () => {
    const answer = await rawExchange(port, (socket) => {
      socket.write('HELLO THERE\r\n\r\n');
    });
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual(expect.objectContaining({ code: 'malformed_request' }));
  });

  it('releases every connection of 50 stalled clients', async () => {
    const sockets = await Promise.all(
      Array.from(
        { length: 50 },
        () =>
          new Promise<Socket>((resolve) => {
            const socket = connect(port, '127.0.0.1', () => {
              socket.write(MULTIPART_HEAD(port, 1_000_000));
              resolve(socket);
            });
            socket.on('error', () => undefined);
          }),
      ),
    );
    await waitUntil(async () => (await openConnections()) >= 50, { description: 'the server to accept the 50 connections' });
    await waitUntil(async () => ((await openConnections()) === 0 ? true : undefined), { timeoutMs: 10_000, description: 'the server to close every stalled connection' });
    for (const socket of sockets) socket.destroy();
  });

  it('still serves a request that arrives in time', async () => {
    const answer = await rawExchange(port, (socket) => {
      socket.write('GET /livez HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ status: 'alive' });
  });
});
