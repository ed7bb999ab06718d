import sharp from 'sharp';
import { taskRecordSchema, type TaskRecord } from '@offload/contracts';
import { openStorage } from '@offload/storage';
import { TEST_AMQP_URL, deleteTestTopology, tempDataDir, uniquePrefix, waitUntil } from '@offload/test-support';
import { API_ENTRY, WORKER_ENTRY, freePort, startNode, waitForHttp, type RunningProcess } from './processes';

/** Mean absolute difference per channel between two same-sized regions of two images. */
async function regionDiff(a: Buffer, b: Buffer, region: { left: number; top: number; width: number; height: number }): Promise<number> {
  const [ra, rb] = await Promise.all([a, b].map((img) => sharp(img).extract(region).removeAlpha().raw().toBuffer()));
  if (!ra || !rb) throw new Error('extract failed');
  let sum = 0;
  for (let i = 0; i < ra.length; i++) sum += Math.abs((ra[i] ?? 0) - (rb[i] ?? 0));
  return sum / ra.length;
}

describe('the pipeline, end to end', () => {
  const prefix = uniquePrefix();
  let dataDir: { path: string; remove: () => Promise<void> };
  let api: RunningProcess;
  let worker: RunningProcess | undefined;
  let base: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    dataDir = await tempDataDir('offload-e2e');
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    env = { AMQP_URL: TEST_AMQP_URL, QUEUE_PREFIX: prefix, DATA_DIR: dataDir.path, LOG_LEVEL: 'warn' };
    api = startNode(API_ENTRY, { ...env, PORT: String(port), HOST: '127.0.0.1', AUTH: 'off' });
    await waitForHttp(`${base}/readyz`);
  });

  afterAll(async () => {
    await worker?.stop();
    await api.stop();
    await deleteTestTopology(prefix);
    await dataDir.remove();
  });

  it('watermarks an uploaded JPEG in a separate worker process and serves the result', async () => {
    const input = await sharp({ create: { width: 1600, height: 1200, channels: 3, background: { r: 40, g: 90, b: 160 } } })
      .jpeg({ quality: 90 })
      .toBuffer();
    const form = new FormData();
    form.append('image', new Blob([new Uint8Array(input)], { type: 'image/jpeg' }), 'photo.jpg');
    form.append('text', 'offload');
    form.append('position', 'bottom-right');
    form.append('opacity', '0.9');
    const accepted = await fetch(`${base}/v1/images`, { method: 'POST', body: form });
    expect(accepted.status).toBe(202);
    const body = (await accepted.json()) as { id: string; status: string; links: { self: string; result: string } };
    expect(body.status).toBe('queued');
    expect(accepted.headers.get('location')).toBe(body.links.self);

    // No worker yet: the task waits, queued, in RabbitMQ.
    const queued = taskRecordSchema.parse(await (await fetch(`${base}${body.links.self}`)).json());
    expect(queued.status).toBe('queued');
    expect((await fetch(`${base}${body.links.result}`)).status).toBe(409);

    // Watch the record in the database (SQLite in DATA_DIR) while the worker runs it, to see every
    // status it passes through.
    const seen: TaskRecord['status'][] = ['queued'];
    const storage = await openStorage({ dataDir: dataDir.path });
    worker = startNode(WORKER_ENTRY, { ...env, WORKER_HTTP_PORT: '0' });
    const finished = await waitUntil(
      async () => {
        const record = taskRecordSchema.parse(await storage.records.get(body.id));
        if (seen.at(-1) !== record.status) seen.push(record.status);
        return record.status === 'succeeded' || record.status === 'failed' ? record : undefined;
      },
      { intervalMs: 2, timeoutMs: 30_000, description: 'the task to finish' },
    );
    await storage.close();
    expect(finished.status).toBe('succeeded');
    expect(seen).toEqual(['queued', 'processing', 'succeeded']);
    expect(finished.attempts).toBe(1);

    const result = await fetch(`${base}${body.links.result}`);
    expect(result.status).toBe(200);
    expect(result.headers.get('content-type')).toBe('image/jpeg');
    const output = Buffer.from(await result.arrayBuffer());
    const meta = await sharp(output).metadata();
    expect([meta.width, meta.height]).toEqual([1600, 1200]);
    // The watermark corner changed; the opposite corner did not (beyond JPEG re-encoding noise).
    const corner = { width: 400, height: 300 };
    const marked = await regionDiff(input, output, { ...corner, left: 1200, top: 900 });
    const untouched = await regionDiff(input, output, { ...corner, left: 0, top: 0 });
    expect(marked).toBeGreaterThan(5);
    expect(untouched).toBeLessThan(2);
  });
});
