import { describe, expect, it } from '@jest/globals';
import sharp from 'sharp';
import { thumbnailContentSchema, type ThumbnailContent } from '@offload/contracts';
import { pngBomb } from '../../test/image-helpers';
import { renderThumbnails } from './render-thumbnails';

const LIMITS = { limitInputPixels: 50_000_000 };
const KEY = 'up_0123456789abcdef0123456789abcdef';

function options(overrides: Partial<ThumbnailContent> & { widths: number[] }): ThumbnailContent {
  return thumbnailContentSchema.parse({ image: KEY, ...overrides });
}

/** A landscape image: left half red, right half blue. */
async function halves(width = 800, height = 400, format: 'jpeg' | 'png' = 'jpeg'): Promise<Buffer> {
  const left = await sharp({ create: { width: width / 2, height, channels: 3, background: '#ff0000' } }).png().toBuffer();
  return sharp({ create: { width, height, channels: 3, background: '#0000ff' } })
    .composite([{ input: left, left: 0, top: 0 }])
    .toFormat(format)
    .toBuffer();
}

const render = (image: Buffer, o: ThumbnailContent) => renderThumbnails(image, o, LIMITS, new AbortController().signal);

describe('renderThumbnails', () => {
  it('makes one rendition per width, named w<width>, in WebP by default, keeping the aspect ratio', async () => {
    const out = await render(await halves(), options({ widths: [320, 160, 800] }));
    expect(out.map((r) => [r.name, r.width, r.height, r.contentType])).toEqual([
      ['w320', 320, 160, 'image/webp'],
      ['w160', 160, 80, 'image/webp'],
      ['w800', 800, 400, 'image/webp'],
    ]);
    for (const r of out) {
      const meta = await sharp(r.data).metadata();
      expect([meta.format, meta.width, meta.height]).toEqual(['webp', r.width, r.height]);
    }
  });

  it.each([
    ['jpeg', 'image/jpeg'],
    ['png', 'image/png'],
    ['avif', 'image/avif'],
  ] as const)('encodes %s', async (format, contentType) => {
    const [r] = await render(await halves(), options({ widths: [200], format }));
    expect(r?.contentType).toBe(contentType);
    expect((await sharp(r?.data).metadata()).format).toBe(format === 'avif' ? 'heif' : format);
  });

  it('fills a square with cover and letterboxes the whole image into one with contain', async () => {
    const [cover] = await render(await halves(), options({ widths: [100], fit: 'cover', format: 'png' }));
    const [contain] = await render(await halves(), options({ widths: [100], fit: 'contain', format: 'png' }));
    expect([cover?.width, cover?.height, contain?.width, contain?.height]).toEqual([100, 100, 100, 100]);
    // contain keeps the whole 2:1 image (50 px high) between transparent bands.
    const { data, info } = await sharp(contain?.data).raw().toBuffer({ resolveWithObject: true });
    const alphaAt = (x: number, y: number) => data[(y * info.width + x) * info.channels + 3];
    expect([alphaAt(50, 5), alphaAt(50, 50), alphaAt(50, 95)]).toEqual([0, 255, 0]);
    // cover fills every pixel.
    const coverPixels = await sharp(cover?.data).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    expect(coverPixels.data[3]).toBe(255);
  });

  it('applies the EXIF orientation and strips metadata', async () => {
    // Stored 400×200 with orientation 6: shown 200 wide, 400 high.
    const rotated = await sharp(await halves(400, 200)).withMetadata({ orientation: 6 }).jpeg().toBuffer();
    const [r] = await render(rotated, options({ widths: [100], format: 'jpeg' }));
    const meta = await sharp(r?.data).metadata();
    expect([meta.width, meta.height, meta.orientation, meta.exif]).toEqual([100, 200, undefined, undefined]);
  });

  it('refuses a width above the image without enlarge, as invalid_options', async () => {
    await expect(render(await halves(400, 200), options({ widths: [200, 600] }))).rejects.toMatchObject({
      code: 'invalid_options',
      retryable: false,
      message: expect.stringContaining('600') as unknown,
    });
  });

  it('enlarges when asked', async () => {
    const [r] = await render(await halves(400, 200), options({ widths: [600], enlarge: true }));
    expect([r?.width, r?.height]).toEqual([600, 300]);
  });

  it('keeps transparency in PNG and flattens it onto white in JPEG', async () => {
    const transparent = await sharp({ create: { width: 64, height: 64, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } }).png().toBuffer();
    const [png] = await render(transparent, options({ widths: [32], format: 'png' }));
    const [jpeg] = await render(transparent, options({ widths: [32], format: 'jpeg' }));
    expect((await sharp(png?.data).metadata()).hasAlpha).toBe(true);
    const { data } = await sharp(jpeg?.data).raw().toBuffer({ resolveWithObject: true });
    expect(Math.min(...data.subarray(0, 30))).toBeGreaterThan(240);
  });

  it('refuses a pixel bomb before decoding it, as image_too_large', async () => {
    await expect(render(await pngBomb(30_000, 30_000), options({ widths: [100] }))).rejects.toMatchObject({ code: 'image_too_large' });
  });

  it('fails a truncated image as corrupt_image', async () => {
    const jpeg = await halves();
    await expect(render(jpeg.subarray(0, Math.floor(jpeg.length / 2)), options({ widths: [100] }))).rejects.toMatchObject({ code: 'corrupt_image' });
  });

  it('fails what is not an image as unsupported_image', async () => {
    await expect(render(Buffer.from('city,temp\nOslo,4\n'), options({ widths: [100] }))).rejects.toMatchObject({ code: 'unsupported_image' });
  });

  it('stops between renditions once its signal is aborted', async () => {
    const controller = new AbortController();
    const seen: number[] = [];
    const rendering = renderThumbnails(await halves(), options({ widths: [100, 200, 300] }), LIMITS, controller.signal, (done) => {
      seen.push(done);
      controller.abort(new Error('released'));
    });
    await expect(rendering).rejects.toThrow('released');
    expect(seen).toEqual([1]);
  });

  it('writes the same bytes on a second run (a redelivered task rewrites the same outputs)', async () => {
    const image = await halves();
    const [a, b] = await Promise.all([render(image, options({ widths: [120] })), render(image, options({ widths: [120] }))]);
    expect(a[0]?.data.equals(b[0]?.data ?? Buffer.alloc(0))).toBe(true);
  });
});
