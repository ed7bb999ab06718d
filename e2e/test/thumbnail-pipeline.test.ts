import sharp from 'sharp';
import { taskRecordSchema, thumbnailResultSchema } from '@offload/contracts';
import { TEST_AMQP_URL, deleteTestTopology, tempDataDir, uniquePrefix, waitUntil } from '@offload/test-support';
import { API_ENTRY, WORKER_ENTRY, freePort, startNode, waitForHttp, type RunningProcess } from './processes';

describe('thumbnails, end to end', () => {
  const prefix = uniquePrefix();
  let dataDir: { path: string; remove: () => Promise<void> };
  let api: RunningProcess;
  let worker: RunningProcess;
  let base: string;

  beforeAll(async () => {
    dataDir = await tempDataDir('offload-e2e-thumbnail');
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const env = { AMQP_URL: TEST_AMQP_URL, QUEUE_PREFIX: prefix, DATA_DIR: dataDir.path, LOG_LEVEL: 'warn' };
    api = startNode(API_ENTRY, { ...env, PORT: String(port), HOST: '127.0.0.1', AUTH: 'off' });
    // No WORKER_TASK_TYPES: a worker consumes every registered type, thumbnail included.
    worker = startNode(WORKER_ENTRY, { ...env, WORKER_HTTP_PORT: '0' });
    await waitForHttp(`${base}/readyz`);
  });

  afterAll(async () => {
    await worker.stop();
    await api.stop();
    await deleteTestTopology(prefix);
    await dataDir.remove();
  });

  it('uploads a photo, makes its renditions in a worker process and serves each by name', async () => {
    // EXIF orientation 6: stored 900×600, shown 600 wide and 900 high.
    const photo = await sharp({ create: { width: 900, height: 600, channels: 3, background: '#2a6' } }).jpeg().withMetadata({ orientation: 6 }).toBuffer();
    const form = new FormData();
    form.append('image', new Blob([new Uint8Array(photo)], { type: 'image/jpeg' }), 'photo.jpg');
    form.append('widths', '150,300');
    form.append('format', 'png');
    const accepted = await fetch(`${base}/v1/thumbnails`, { method: 'POST', body: form });
    expect(accepted.status).toBe(202);
    const { id, links } = (await accepted.json()) as { id: string; links: { self: string; result: string } };

    const record = await waitUntil(
      async () => {
        const r = taskRecordSchema.parse(await (await fetch(`${base}${links.self}`)).json());
        return r.status === 'succeeded' || r.status === 'failed' ? r : undefined;
      },
      { timeoutMs: 30_000, description: `thumbnail task ${id} to finish` },
    );
    expect(record.status).toBe('succeeded');
    const result = thumbnailResultSchema.parse(record.result);
    expect(result.outputs.map((o) => [o.name, o.width, o.height])).toEqual([
      ['w150', 150, 225],
      ['w300', 300, 450],
    ]);

    const manifest = (await (await fetch(`${base}${links.result}`)).json()) as { renditions: { name: string; href: string; width: number }[] };
    expect(manifest.renditions.map((r) => r.name)).toEqual(['w150', 'w300']);
    for (const rendition of manifest.renditions) {
      const res = await fetch(`${base}${rendition.href}`);
      expect([res.status, res.headers.get('content-type')]).toEqual([200, 'image/png']);
      const meta = await sharp(Buffer.from(await res.arrayBuffer())).metadata();
      expect([meta.format, meta.width, meta.exif]).toEqual(['png', rendition.width, undefined]);
    }
  });
});
