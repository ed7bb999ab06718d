import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { postWebhook, RESPONSE_BODY_CAP_BYTES, WebhookRequestError } from './post-webhook';
import type { WebhookTarget } from './outbound-guard';

describe('postWebhook', () => {
  let server: Server;
  let port: number;
  let seen: IncomingHttpHeaders[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push(req.headers);
      req.resume();
      req.on('end', () => {
        if (req.url === '/slow') return; // never answers
        if (req.url === '/huge') {
          res.writeHead(200);
          res.end(Buffer.alloc(RESPONSE_BODY_CAP_BYTES * 4));
          return;
        }
        res.writeHead(req.url === '/moved' ? 301 : 202, req.url === '/moved' ? { location: 'http://127.0.0.1:1/' } : {});
        res.end('thanks');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port; // a TCP server: an AddressInfo
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  beforeEach(() => {
    seen = [];
  });

  // A name that resolves nowhere: only the pinned address can make the request reach the server.
  const target = (path: string, p = port): WebhookTarget => ({
    url: new URL(`http://receiver.invalid:${p}${path}`),
    hostname: 'receiver.invalid',
    address: { address: '127.0.0.1', family: 4 },
  });
  const post = (path: string, timeoutMs = 5_000, p = port) => postWebhook({ target: target(path, p), body: '{"a":1}', headers: { 'content-type': 'application/json' }, timeoutMs });

  it('connects to the checked address and keeps the host name in the Host header', async () => {
    await expect(post('/ok')).resolves.toEqual({ statusCode: 202 });
    expect(seen[0]?.host).toBe(`receiver.invalid:${port}`);
    expect(seen[0]?.['content-length']).toBe('7');
  });

  it('reports a redirect as its status without following it', async () => {
    await expect(post('/moved')).resolves.toEqual({ statusCode: 301 });
    expect(seen).toHaveLength(1);
  });

  it('stops reading a large answer at the cap', async () => {
    await expect(post('/huge')).resolves.toEqual({ statusCode: 200 });
  });

  it('fails an exchange that outlasts the timeout, naming the variable', async () => {
    const err: unknown = await post('/slow', 200).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WebhookRequestError);
    expect(err).toHaveProperty('message', 'no response within CALLBACK_TIMEOUT_MS (200 ms)');
  });

  it('describes a refused connection without the engine message', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const free = (closed.address() as AddressInfo).port; // a TCP server: an AddressInfo
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await expect(post('/ok', 5_000, free)).rejects.toThrow(/^connection refused$/);
  });
});
