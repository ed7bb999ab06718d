import sharp from 'sharp';
import { newUploadKey } from '@offload/storage';
import { watermarkHandler } from '../src/handlers/watermark';
import { pngBomb } from './image-helpers';
import { createWorkerHarness, type WorkerHarness } from './harness';

const options = { position: 'bottom-right' as const, tile: false, opacity: 0.8, size: 0.3, margin: 0.02 };

describe('watermark tasks on a worker', () => {
  let h: WorkerHarness;
  let jpeg: Buffer;

  beforeAll(async () => {
    h = await createWorkerHarness({ handlers: { watermark: watermarkHandler({ limitInputPixels: 50_000_000 }) }, maxAttempts: 3 });
    await h.startWorker();
    jpeg = await sharp({ create: { width: 640, height: 480, channels: 3, background: '#3366aa' } }).jpeg().toBuffer();
  });
  afterAll(() => h.close());

  async function upload(bytes: Buffer): Promise<string> {
    const key = newUploadKey();
    await h.storage.blobs.put(key, bytes);
    return key;
  }

  it('stores the watermarked image and its description in the record', async () => {
    const id = await h.submit({ task_type: 'watermark', content: { image: await upload(jpeg), watermark: { ...options, text: 'offload', format: 'png' } } });
    const record = await h.waitForStatus(id, ['succeeded', 'failed']);
    expect(record.status).toBe('succeeded');
    expect(record.result).toMatchObject({ output_key: `out_${id}.png`, content_type: 'image/png', format: 'png', width: 640, height: 480, pages: 1 });
    const meta = await sharp(await h.storage.blobs.read(`out_${id}.png`)).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['png', 640, 480]);
  });

  it('fails a truncated JPEG once with corrupt_image, without retrying', async () => {
    const truncated = jpeg.subarray(0, Math.floor(jpeg.length / 2));
    const id = await h.submit({ task_type: 'watermark', content: { image: await upload(truncated), watermark: { ...options, text: 'x' } } });
    const record = await h.waitForStatus(id, ['failed']);
    expect(record.error?.code).toBe('corrupt_image');
    expect(record.attempts).toBe(1);
  });

  it('refuses a pixel bomb (a small file declaring 30000×30000) with image_too_large', async () => {
    const bomb = await pngBomb(30_000, 30_000);
    expect(bomb.length).toBeLessThan(1024);
    const id = await h.submit({ task_type: 'watermark', content: { image: await upload(bomb), watermark: { ...options, text: 'x' } } });
    const record = await h.waitForStatus(id, ['failed']);
    expect(record.error?.code).toBe('image_too_large');
    expect(record.attempts).toBe(1);
  });

  it('fails with missing_upload when the image key was never stored', async () => {
    const id = await h.submit({ task_type: 'watermark', content: { image: newUploadKey(), watermark: { ...options, text: 'x' } } });
    const record = await h.waitForStatus(id, ['failed']);
    expect(record.error?.code).toBe('missing_upload');
  });

  it('refuses an SVG as unsupported_image', async () => {
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>');
    const id = await h.submit({ task_type: 'watermark', content: { image: await upload(svg), watermark: { ...options, text: 'x' } } });
    const record = await h.waitForStatus(id, ['failed']);
    expect(record.error?.code).toBe('unsupported_image');
  });
});
