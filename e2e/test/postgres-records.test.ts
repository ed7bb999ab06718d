import { readdir } from 'node:fs/promises';
import sharp from 'sharp';
import pg from 'pg';
import { taskRecordSchema } from '@offload/contracts';
import { TEST_AMQP_URL, createTestDatabase, deleteTestTopology, tempDataDir, uniquePrefix, waitUntil, type TestDatabase } from '@offload/test-support';
import { API_ENTRY, WORKER_ENTRY, freePort, startNode, waitForHttp, type RunningProcess } from './processes';

describe('records in PostgreSQL (RECORD_STORE_URL)', () => {
  const prefix = uniquePrefix();
  let database: TestDatabase;
  let dataDir: { path: string; remove: () => Promise<void> };
  let api: RunningProcess;
  let worker: RunningProcess;
  let base: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    dataDir = await tempDataDir('offload-e2e-postgres');
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const env = { AMQP_URL: TEST_AMQP_URL, QUEUE_PREFIX: prefix, DATA_DIR: dataDir.path, LOG_LEVEL: 'warn', RECORD_STORE_URL: database.url };
    // Both start at once: whichever comes first applies the migrations, the other waits for it.
    api = startNode(API_ENTRY, { ...env, PORT: String(port), HOST: '127.0.0.1', AUTH: 'off' });
    worker = startNode(WORKER_ENTRY, { ...env, WORKER_HTTP_PORT: '0' });
    await waitForHttp(`${base}/readyz`);
  });

  afterAll(async () => {
    await worker.stop();
    await api.stop();
    await deleteTestTopology(prefix);
    await dataDir.remove();
    await database.drop();
  });

  it('runs a task with its record in PostgreSQL, the upload and output still in DATA_DIR', async () => {
    const image = await sharp({ create: { width: 320, height: 200, channels: 3, background: '#336699' } }).png().toBuffer();
    const form = new FormData();
    form.append('image', new Blob([new Uint8Array(image)], { type: 'image/png' }), 'in.png');
    form.append('text', 'postgres');
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

    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ status: string; record: string }>('select status, record from tasks where id = $1', [id]);
      expect(rows.map((r) => [r.status, taskRecordSchema.parse(JSON.parse(r.record))])).toEqual([['succeeded', finished]]);
    } finally {
      await client.end();
    }
    // DATA_DIR holds the blobs only: no SQLite file, no records.
    expect(await readdir(dataDir.path)).toEqual(['blobs']);
  });

  it.each([
    ['api', API_ENTRY],
    ['worker', WORKER_ENTRY],
  ])('%s exits non-zero with one clear line when the record database is unreachable', async (name, entry) => {
    const deadPort = await freePort();
    const proc = startNode(entry, {
      AMQP_URL: TEST_AMQP_URL,
      QUEUE_PREFIX: prefix,
      RECORD_STORE_URL: `postgres://offload:hunter2@127.0.0.1:${deadPort}/offload`,
      BROKER_CONNECT_TIMEOUT_MS: '500',
      PORT: '0',
      WORKER_HTTP_PORT: '0',
      DATA_DIR: dataDir.path,
    });
    const { code } = await proc.exited;
    expect(code).toBe(1);
    const lines = proc.stderr().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^offload-${name}: cannot reach the record database at postgres://offload:\\*\\*\\*@127\\.0\\.0\\.1:${deadPort}/offload`));
    expect(lines[0]).toMatch(/unset RECORD_STORE_URL/);
    expect(lines[0]).not.toContain('hunter2');
  });
});
