import { TEST_AMQP_URL, deleteTestTopology, tempDataDir, uniquePrefix, waitUntil } from '@offload/test-support';
import { WORKER_ENTRY, startNode } from './processes';

describe('the worker entry point', () => {
  const prefix = uniquePrefix();

  afterAll(async () => {
    await deleteTestTopology(prefix);
  });

  it.each([
    [{ WORKER_CONCURRENCY: '6' }, 10],
    [{ WORKER_CONCURRENCY: '6', UV_THREADPOOL_SIZE: '5' }, 5],
  ])('sizes the libuv pool for its renders unless told otherwise (%j → %i threads)', async (env, threads) => {
    const dataDir = await tempDataDir('offload-e2e-pool');
    const worker = startNode(WORKER_ENTRY, { AMQP_URL: TEST_AMQP_URL, QUEUE_PREFIX: prefix, DATA_DIR: dataDir.path, WORKER_HTTP_PORT: '0', LOG_LEVEL: 'info', ...env });
    try {
      const ready = await waitUntil(
        () => worker.output().split('\n').flatMap((line) => (line.includes('offload worker ready') ? [JSON.parse(line) as { uv_threadpool_size: number }] : []))[0],
        { timeoutMs: 20_000, description: 'the worker to be ready' },
      );
      expect(ready.uv_threadpool_size).toBe(threads);
    } finally {
      await worker.stop();
      await dataDir.remove();
    }
  });
});
