import sharp from 'sharp';
import { thumbnailResultSchema } from '@offload/contracts';
import { newUploadKey } from '@offload/storage';
import { thumbnailHandler } from '../src/handlers/thumbnail';
import { createWorkerHarness, type WorkerHarness } from './harness';

describe('thumbnail tasks on a worker', () => {
  let h: WorkerHarness;
  let jpeg: Buffer;

  beforeAll(async () => {
    h = await createWorkerHarness({ handlers: { thumbnail: thumbnailHandler({ limitInputPixels: 50_000_000 }) }, taskTypes: ['thumbnail'], maxAttempts: 3 });
    await h.startWorker();
    jpeg = await sharp({ create: { width: 1200, height: 800, channels: 3, background: '#3366aa' } }).jpeg().toBuffer();
  });
  afterAll(() => h.close());

  async function upload(bytes: Buffer): Promise<string> {
    const key = newUploadKey();
    await h.storage.blobs.put(key, bytes);
    return key;
  }

  it('stores every rendition and a manifest, and lists each in the record', async () => {
    const id = await h.submit({ task_type: 'thumbnail', content: { image: await upload(jpeg), widths: [320, 640], fit: 'inside', enlarge: false, format: 'webp' } });
    const record = await h.waitForStatus(id, ['succeeded', 'failed']);
    expect(record.status).toBe('succeeded');
    const result = thumbnailResultSchema.parse(record.result);
    expect(result.output_key).toBe(`out_${id}.json`);
    expect(result.outputs.map((o) => [o.name, o.output_key, o.width, o.height, o.content_type])).toEqual([
      ['w320', `out_${id}.w320.webp`, 320, 213, 'image/webp'],
      ['w640', `out_${id}.w640.webp`, 640, 427, 'image/webp'],
    ]);
    for (const o of result.outputs) expect((await h.storage.blobs.read(o.output_key)).length).toBe(o.bytes);
    const manifest = JSON.parse((await h.storage.blobs.read(result.output_key)).toString('utf8')) as { renditions: { name: string; href: string }[] };
    expect(manifest.renditions.map((r) => [r.name, r.href])).toEqual([
      ['w320', `/v1/tasks/${id}/outputs/w320`],
      ['w640', `/v1/tasks/${id}/outputs/w640`],
    ]);
    expect(record.progress).toBe(1);
  });

  it('fails a truncated image once with corrupt_image', async () => {
    const id = await h.submit({ task_type: 'thumbnail', content: { image: await upload(jpeg.subarray(0, 2000)), widths: [100], fit: 'inside', enlarge: false, format: 'webp' } });
    const record = await h.waitForStatus(id, ['failed']);
    expect([record.error?.code, record.attempts]).toEqual(['corrupt_image', 1]);
  });

  it('fails a width above the image (published past the API) once with invalid_options', async () => {
    const id = await h.submit({ task_type: 'thumbnail', content: { image: await upload(jpeg), widths: [2000], fit: 'inside', enlarge: false, format: 'png' } });
    const record = await h.waitForStatus(id, ['failed']);
    expect([record.error?.code, record.attempts]).toEqual(['invalid_options', 1]);
    expect(record.error?.message).toContain('1200 px wide');
  });
});
