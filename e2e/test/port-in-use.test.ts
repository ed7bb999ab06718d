import { createServer, type Server } from 'node:net';
import { TEST_AMQP_URL, deleteTestTopology, tempDataDir, uniquePrefix } from '@offload/test-support';
import { API_ENTRY, WORKER_ENTRY, startNode } from './processes';

describe('start-up on a port that is taken', () => {
  const prefix = uniquePrefix();
  let blocker: Server;
  let port: number;
  let dataDir: { path: string; remove: () => Promise<void> };

  beforeAll(async () => {
    dataDir = await tempDataDir('offload-e2e-port');
    blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const address = blocker.address();
    port = typeof address === 'object' && address !== null ? address.port : 0;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => blocker.close(() => resolve()));
    await deleteTestTopology(prefix);
    await dataDir.remove();
  });

  it.each([
    ['api', API_ENTRY, 'PORT'],
    ['worker', WORKER_ENTRY, 'WORKER_HTTP_PORT'],
  ])('%s exits 1 with one line naming %s, without a stack trace', async (name, entry, variable) => {
    const proc = startNode(entry, {
      AMQP_URL: TEST_AMQP_URL,
      QUEUE_PREFIX: prefix,
      DATA_DIR: dataDir.path,
      HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
      [variable]: String(port),
    });
    const { code } = await proc.exited;
    expect(code).toBe(1);
    const lines = proc.stderr().trim().split('\n');
    expect(lines).toEqual([`offload-${name}: port ${port} is already in use by another process; set ${variable} to a free port`]);
  });
});
