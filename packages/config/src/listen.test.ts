import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from '@jest/globals';
import { ListenError, listen } from './listen';

describe('listen', () => {
  const servers: Server[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => new Promise<void>((resolve) => (s.listening ? s.close(() => resolve()) : resolve()))));
  });
  const server = () => {
    const s = createServer();
    servers.push(s);
    return s;
  };

  it('resolves once listening', async () => {
    const s = server();
    await listen(s, { port: 0, host: '127.0.0.1', variable: 'PORT' });
    expect(s.listening).toBe(true);
  });

  it('names the variable to change when the port is in use', async () => {
    const first = server();
    await listen(first, { port: 0, host: '127.0.0.1', variable: 'PORT' });
    const address = first.address();
    const port = typeof address === 'object' && address !== null ? address.port : -1;
    const attempt = listen(server(), { port, host: '127.0.0.1', variable: 'WORKER_HTTP_PORT' });
    await expect(attempt).rejects.toThrow(ListenError);
    await expect(attempt).rejects.toThrow(`port ${port} is already in use by another process; set WORKER_HTTP_PORT to a free port`);
  });
});
