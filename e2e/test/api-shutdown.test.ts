import { request } from 'node:http';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { TEST_AMQP_URL, deleteTestTopology, tempDataDir, uniquePrefix, waitUntil } from '@offload/test-support';
import { API_ENTRY, freePort, startNode, waitForHttp } from './processes';

describe('API shutdown on SIGTERM', () => {
  const prefix = uniquePrefix();
  let dataDir: { path: string; remove: () => Promise<void> };

  beforeAll(async () => {
    dataDir = await tempDataDir('offload-api-stop');
  });
  afterAll(async () => {
    await deleteTestTopology(prefix);
    await dataDir.remove();
  });

  it('finishes an upload in flight, refuses new connections, and exits 0', async () => {
    const port = await freePort();
    const api = startNode(API_ENTRY, {
      AMQP_URL: TEST_AMQP_URL,
      QUEUE_PREFIX: prefix,
      DATA_DIR: dataDir.path,
      PORT: String(port),
      HOST: '127.0.0.1',
      AUTH: 'off',
      LOG_LEVEL: 'warn',
      API_SHUTDOWN_GRACE_MS: '10000',
    });
    try {
      await waitForHttp(`http://127.0.0.1:${port}/readyz`);
      const boundary = 'offloadboundary';
      const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\nContent-Type: text/csv\r\n\r\n`);
      const rows = Buffer.from('a,b\n'.repeat(64 * 1024));
      const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
      const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = request(
          { host: '127.0.0.1', port, method: 'POST', path: '/v1/uploads', headers: { 'Content-Type': `multipart/form-data; boundary=${boundary}`, 'Content-Length': head.length + rows.length + tail.length } },
          (res) => {
            let body = '';
            res.on('data', (chunk: Buffer) => (body += chunk.toString()));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
          },
        );
        req.on('error', reject);
        req.write(head);
        req.write(rows.subarray(0, rows.length / 2));
        // The rest is sent only after SIGTERM: the request is in flight when shutdown starts.
        void (async () => {
          await waitUntil(async () => (await readdir(join(dataDir.path, 'blobs'))).some((f) => f.startsWith('.tmp-')), { description: 'the upload to start streaming' });
          api.child.kill('SIGTERM');
          await waitUntil(async () => {
            try {
              await fetch(`http://127.0.0.1:${port}/livez`);
              return false;
            } catch {
              return true; // no longer accepting connections
            }
          }, { description: 'the API to stop accepting connections' });
          req.end(Buffer.concat([rows.subarray(rows.length / 2), tail]));
        })().catch(reject);
      });
      const { status, body } = await response;
      expect(status).toBe(201);
      expect(JSON.parse(body)).toMatchObject({ content_type: 'text/csv', size: rows.length });
      const { code } = await api.exited;
      expect(code).toBe(0);
      expect(api.output()).not.toMatch(/"level":"error"/);
    } finally {
      await api.stop('SIGKILL');
    }
  });
});
