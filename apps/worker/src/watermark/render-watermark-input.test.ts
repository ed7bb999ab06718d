import sharp from 'sharp';
import { renderWatermark, type RenderWatermarkInput } from './render-watermark';
import { animatedImage, noisyJpeg, pngBomb, solidPng, watermarkOptions } from '../../test/image-helpers';

const LIMITS = { limitInputPixels: 10_000_000 };

function render(input: Partial<RenderWatermarkInput> & { image: Buffer }): Promise<unknown> {
  return renderWatermark({ options: watermarkOptions({ text: 'Mark' }), limits: LIMITS, ...input });
}

function permanent(code: string): { name: string; code: string; retryable: boolean } {
  return { name: 'PermanentTaskError', code, retryable: false };
}

const SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><rect width="64" height="64"/></svg>';

describe('renderWatermark input', () => {
  it('throws image_too_large when the image header declares 30000×30000 pixels', async () => {
    await expect(render({ image: await pngBomb(30_000, 30_000) })).rejects.toMatchObject(permanent('image_too_large'));
  });

  it('throws image_too_large when the image is over the configured limit', async () => {
    const image = await solidPng(200, 200, '#808080');
    await expect(render({ image, limits: { limitInputPixels: 10_000 } })).rejects.toMatchObject(
      permanent('image_too_large'),
    );
  });

  it('counts every frame against the limit when an animated image keeps its frames', async () => {
    const image = await animatedImage(100, 100, ['#f00', '#0f0', '#00f'], 'gif');
    const limits = { limitInputPixels: 20_000 };
    await expect(render({ image, limits })).rejects.toMatchObject(permanent('image_too_large'));
    const options = watermarkOptions({ text: 'Mark', format: 'png' });
    await expect(render({ image, limits, options })).resolves.toMatchObject({ pages: 1 });
  });

  it('throws image_too_large when the logo header declares 30000×30000 pixels', async () => {
    const input = {
      image: await solidPng(200, 200, '#808080'),
      logo: await pngBomb(30_000, 30_000),
      options: watermarkOptions({ logo: 'upload-key' }),
    };
    await expect(render(input)).rejects.toMatchObject(permanent('image_too_large'));
  });

  it('throws corrupt_image when the JPEG is truncated', async () => {
    const jpeg = await noisyJpeg(400, 300);
    await expect(render({ image: jpeg.subarray(0, jpeg.length / 2) })).rejects.toMatchObject(
      permanent('corrupt_image'),
    );
  });

  it('throws corrupt_image when the logo is truncated', async () => {
    const logo = await noisyJpeg(400, 300);
    const input = {
      image: await solidPng(200, 200, '#808080'),
      logo: logo.subarray(0, logo.length / 2),
      options: watermarkOptions({ logo: 'upload-key' }),
    };
    await expect(render(input)).rejects.toMatchObject(permanent('corrupt_image'));
  });

  it('throws corrupt_image when a PNG header is cut short', async () => {
    const png = await solidPng(64, 64, '#808080');
    await expect(render({ image: png.subarray(0, 20) })).rejects.toMatchObject(permanent('corrupt_image'));
  });

  it('throws unsupported_image when the bytes are text', async () => {
    await expect(render({ image: Buffer.from('this is not an image at all') })).rejects.toMatchObject(
      permanent('unsupported_image'),
    );
  });

  it('throws unsupported_image when the image is SVG', async () => {
    await expect(render({ image: Buffer.from(SVG) })).rejects.toMatchObject(permanent('unsupported_image'));
  });

  it('throws unsupported_image when the logo is SVG', async () => {
    const input = {
      image: await solidPng(200, 200, '#808080'),
      logo: Buffer.from(SVG),
      options: watermarkOptions({ logo: 'upload-key' }),
    };
    await expect(render(input)).rejects.toMatchObject(permanent('unsupported_image'));
  });

  it('reads the image when it is a TIFF', async () => {
    const image = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#808080' } }).tiff().toBuffer();
    await expect(render({ image })).resolves.toMatchObject({ format: 'png', width: 64, height: 48 });
  });
});
