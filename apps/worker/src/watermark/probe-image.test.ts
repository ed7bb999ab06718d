import sharp from 'sharp';
import { assertWithinPixelLimit, probeImage, type ImageProbe } from './probe-image';
import { animatedImage, pngBomb, solidPng } from '../../test/image-helpers';

function permanent(code: string): { name: string; code: string } {
  return { name: 'PermanentTaskError', code };
}

describe('probeImage', () => {
  it('reports format, size and one page when the image is a plain PNG', async () => {
    await expect(probeImage(await solidPng(64, 48, '#808080'), 'image')).resolves.toEqual({
      format: 'png',
      width: 64,
      height: 48,
      orientedWidth: 64,
      orientedHeight: 48,
      pages: 1,
      hasAlpha: false,
    });
  });

  it('reports the upright size when the JPEG carries EXIF orientation 6', async () => {
    const image = await sharp({ create: { width: 300, height: 200, channels: 3, background: '#808080' } })
      .withMetadata({ orientation: 6 })
      .jpeg()
      .toBuffer();
    await expect(probeImage(image, 'image')).resolves.toMatchObject({
      width: 300,
      height: 200,
      orientedWidth: 200,
      orientedHeight: 300,
    });
  });

  it('reports the frame size and page count when the GIF is animated', async () => {
    const image = await animatedImage(60, 40, ['#f00', '#0f0', '#00f'], 'gif');
    await expect(probeImage(image, 'image')).resolves.toMatchObject({ format: 'gif', width: 60, height: 40, pages: 3 });
  });

  it('reports avif when the image is AVIF', async () => {
    const image = await sharp({ create: { width: 16, height: 16, channels: 3, background: '#808080' } }).avif().toBuffer();
    await expect(probeImage(image, 'image')).resolves.toMatchObject({ format: 'avif' });
  });

  it('reads only the header when the image declares 30000×30000 pixels', async () => {
    await expect(probeImage(await pngBomb(30_000, 30_000), 'image')).resolves.toMatchObject({
      width: 30_000,
      height: 30_000,
    });
  });

  it('throws unsupported_image naming the role when the bytes are text', async () => {
    await expect(probeImage(Buffer.from('plain text'), 'logo')).rejects.toMatchObject({
      ...permanent('unsupported_image'),
      message: expect.stringContaining('logo'),
    });
  });

  it('throws unsupported_image when the image is SVG', async () => {
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"/>');
    await expect(probeImage(svg, 'image')).rejects.toMatchObject(permanent('unsupported_image'));
  });

  it('throws corrupt_image when a known format has a broken header', async () => {
    const png = await solidPng(8, 8, '#808080');
    await expect(probeImage(png.subarray(0, 20), 'image')).rejects.toMatchObject(permanent('corrupt_image'));
  });
});

describe('assertWithinPixelLimit', () => {
  const probe: ImageProbe = {
    format: 'gif',
    width: 100,
    height: 100,
    orientedWidth: 100,
    orientedHeight: 100,
    pages: 3,
    hasAlpha: false,
  };

  it('accepts the image when its pixels equal the limit', () => {
    expect(() => assertWithinPixelLimit(probe, 3, 30_000, 'image')).not.toThrow();
  });

  it('throws image_too_large when the decoded frames exceed the limit', () => {
    expect(() => assertWithinPixelLimit(probe, 3, 29_999, 'image')).toThrow(
      expect.objectContaining(permanent('image_too_large')),
    );
  });

  it('counts only the frames decoded when one frame is taken', () => {
    expect(() => assertWithinPixelLimit(probe, 1, 10_000, 'image')).not.toThrow();
  });
});
