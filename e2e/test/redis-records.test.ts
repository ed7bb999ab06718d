import { access } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { Redis } from 'ioredis';
import { taskRecordSchema } from '@offload/contracts';
import { TEST_AMQP_URL, TEST_REDIS_URL, deleteTestTopology, tempDataDir, uniquePrefix, waitUntil } from '@offload/test-support';
import { API_ENTRY, WORKER_ENTRY, freePort, startNode, waitForHttp, type RunningProcess } from './processes';

describe('records in Redis (RECORD_STORE_URL)', () => {
  const prefix = uniquePrefix();
  let dataDir: { path: string; remove: () => Promise<void> };
  let api: RunningProcess;
  let worker: RunningProcess;
  let base: string;
  let redis: Redis;

  beforeAll(async () => {
    redis = new Redis(TEST_REDIS_URL);
    dataDir = await tempDataDir('offload-e2e-redis');
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const env = { AMQP_URL: TEST_AMQP_URL, QUEUE_PREFIX: prefix, DATA_DIR: dataDir.path, LOG_LEVEL: 'warn', RECORD_STORE_URL: TEST_REDIS_URL };
    api = startNode(API_ENTRY, { ...env, PORT: String(port), HOST: '127.0.0.1' });
    worker = startNode(WORKER_ENTRY, { ...env, WORKER_HTTP_PORT: '0' });
    await waitForHttp(`${base}/readyz`);
  });

  afterAll(async () => {
    await worker.stop();
    await api.stop();
    await redis.quit();
    await deleteTestTopology(prefix);
    await dataDir.remove();
  });

  it('runs a task with its record in Redis, the upload and output still in DATA_DIR', async () => {
    const image = await sharp({ create: { width: 320, height: 200, channels: 3, background: '#336699' } }).png().toBuffer();
    const form = new FormData();
    form.append('image', new Blob([new Uint8Array(image)], { type: 'image/png' }), 'in.png');
    form.append('text', 'redis');
    const accepted = await fetch(`${base}/v1/images`, { method: 'POST', body: form });
    expect(accepted.status).toBe(202);
    const { id } = (await accepted.json()) as { id: string };

    const finished = await waitUntil(
      async () => {
        const record = taskRecordSchema.parse(await (await fetch(`${base}/v1/tasks/${id}`)).json());
        return record.status === 'succeeded' || record.status === 'failed' ? record : undefined;
      },
      { timeoutMs: 30_000, description: 'the task to finish' },
    );
    expect(finished).toMatchObject({ status: 'succeeded', attempts: 1 });
    const result = await fetch(`${base}/v1/tasks/${id}/result`);
    expect(result.status).toBe(200);
    expect((await sharp(Buffer.from(await result.arrayBuffer())).metadata()).width).toBe(320);

    expect(taskRecordSchema.parse(JSON.parse((await redis.get(`${prefix}:record:${id}`)) ?? 'null'))).toEqual(finished);
    // A finished record expires (RECORD_TTL_S, 7 days by default); DATA_DIR holds no records.
    expect(await redis.ttl(`${prefix}:record:${id}`)).toBeGreaterThan(6 * 24 * 3600);
    await expect(access(join(dataDir.path, 'records'))).rejects.toThrow();
  });

  it.each([
    ['api', API_ENTRY],
    ['worker', WORKER_ENTRY],
  ])('%s exits non-zero with one clear line when the record store is unreachable', async (name, entry) => {
    const deadPort = await freePort();
    const proc = startNode(entry, {
      AMQP_URL: TEST_AMQP_URL,
      QUEUE_PREFIX: prefix,
      RECORD_STORE_URL: `redis://:hunter2@127.0.0.1:${deadPort}`,
      BROKER_CONNECT_TIMEOUT_MS: '500',
      PORT: '0',
      WORKER_HTTP_PORT: '0',
      DATA_DIR: dataDir.path,
    });
    const { code } = await proc.exited;
    expect(code).toBe(1);
    const lines = proc.stderr().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^offload-${name}: cannot reach the record store at redis://:\\*\\*\\*@127\\.0\\.0\\.1:${deadPort}`));
    expect(lines[0]).toMatch(/unset RECORD_STORE_URL/);
  });
});
