import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from '@jest/globals';
import { createManagementApi, managementUrlFrom, vhostFromAmqpUrl } from './management-api';

describe('managementUrlFrom', () => {
  it.each([
    ['amqp://guest:guest@localhost:5672', 'http://guest:guest@localhost:15672/'],
    ['amqps://app:s%40cret@rabbit.example:5671/prod', 'http://app:s%40cret@rabbit.example:15672/'],
    ['amqp://rabbit', 'http://guest:guest@rabbit:15672/'],
    ['amqp://u:p@[::1]:5672', 'http://u:p@[::1]:15672/'],
  ])('takes the host and credentials of %s, on port 15672 over http', (amqp, expected) => {
    expect(managementUrlFrom(amqp)).toBe(expected);
  });
});

describe('vhostFromAmqpUrl', () => {
  it.each([
    ['amqp://localhost:5672', '/'],
    ['amqp://localhost:5672/', '/'],
    ['amqp://localhost:5672/%2F', '/'],
    ['amqp://localhost:5672/prod', 'prod'],
  ])('reads the vhost of %s as %s', (url, vhost) => {
    expect(vhostFromAmqpUrl(url)).toBe(vhost);
  });
});

describe('createManagementApi', () => {
  let server: Server | undefined;
  afterEach(async () => {
    await new Promise<void>((resolve) => (server?.listening ? server.close(() => resolve()) : resolve()));
    server = undefined;
  });

  /** A stand-in for the management API's HTTP side; `answer` gets each request. */
  async function serve(answer: (req: IncomingMessage) => { status: number; body?: unknown } | 'hang'): Promise<string> {
    const s = createServer((req, res) => {
      const reply = answer(req);
      if (reply === 'hang') return;
      res.writeHead(reply.status, { 'content-type': 'application/json' }).end(JSON.stringify(reply.body ?? {}));
    });
    server = s;
    await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
    return `127.0.0.1:${(s.address() as AddressInfo).port}`;
  }

  it('asks for the queue in its vhost with the credentials in a header, never in the URL', async () => {
    const seen: { url?: string; authorization?: string } = {};
    const host = await serve((req) => {
      seen.url = req.url;
      seen.authorization = req.headers.authorization;
      return { status: 200, body: { messages_ready: 3, messages_unacknowledged: 2, messages: 5 } };
    });
    const api = createManagementApi({ url: `http://ops:p%40ss@${host}/`, vhost: '/' });

    await expect(api.queueCounts('offload.task.watermark')).resolves.toEqual({ ready: 3, unacked: 2 });

    expect(seen.url).toBe('/api/queues/%2F/offload.task.watermark');
    expect(seen.authorization).toBe(`Basic ${Buffer.from('ops:p@ss').toString('base64')}`);
    expect(api.location).toBe(`http://${host}`);
  });

  it('keeps a path prefix of the base URL (an API behind a proxy)', async () => {
    let url: string | undefined;
    const host = await serve((req) => {
      url = req.url;
      return { status: 200, body: { messages_ready: 0, messages_unacknowledged: 0 } };
    });

    await createManagementApi({ url: `http://${host}/rabbitmq/`, vhost: 'prod' }).queueCounts('q');

    expect(url).toBe('/rabbitmq/api/queues/prod/q');
  });

  it.each([
    ['a refusal of the credentials', { status: 401, body: { error: 'not_authorised' } }, /answered 401/],
    ['a queue with no counts yet', { status: 200, body: { name: 'q' } }, /no message counts/],
  ] as const)('fails on %s with a message that names no credentials', async (_what, reply, message) => {
    const host = await serve(() => reply);
    const attempt = createManagementApi({ url: `http://ops:topsecret@${host}` }).queueCounts('q');

    await expect(attempt).rejects.toThrow(message);
    await expect(attempt).rejects.not.toThrow(/topsecret/);
  });

  it('gives up after its timeout', async () => {
    const host = await serve(() => 'hang');

    await expect(createManagementApi({ url: `http://${host}`, timeoutMs: 100 }).queueCounts('q')).rejects.toThrow('no answer in time');
  });

  it('fails when nothing listens', async () => {
    const host = await serve(() => 'hang');
    await new Promise<void>((resolve) => server?.close(() => resolve()));

    await expect(createManagementApi({ url: `http://u:topsecret@${host}` }).queueCounts('q')).rejects.toThrow(`RabbitMQ management API at http://${host}: ECONNREFUSED`);
  });
});
