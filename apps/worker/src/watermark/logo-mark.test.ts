import sharp from 'sharp';
import { loadLogo, logoAspect, renderLogoMark } from './logo-mark';
import type { RgbaImage } from './rgba-image';
import { animatedImage, noisyJpeg, pngBomb, solidPng } from '../../test/image-helpers';

const LIMIT = 10_000_000;

function rgbaAt(image: RgbaImage, x: number, y: number): number[] {
  const i = (y * image.width + x) * 4;
  return [...image.data.subarray(i, i + 4)];
}

describe('loadLogo', () => {
  it('throws image_too_large when the logo declares more pixels than the limit', async () => {
    await expect(loadLogo(await pngBomb(30_000, 30_000), LIMIT)).rejects.toMatchObject({
      name: 'PermanentTaskError',
      code: 'image_too_large',
    });
  });

  it('throws unsupported_image when the logo is SVG', async () => {
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"/>');
    await expect(loadLogo(svg, LIMIT)).rejects.toMatchObject({ code: 'unsupported_image' });
  });

  it('counts one frame against the limit when the logo is animated', async () => {
    const logo = await animatedImage(100, 100, ['#f00', '#0f0', '#00f'], 'gif');
    await expect(loadLogo(logo, 10_000)).resolves.toMatchObject({ probe: { pages: 3 } });
  });
});

describe('logoAspect', () => {
  it('uses the upright size when the logo carries EXIF orientation 6', async () => {
    const logo = await sharp({ create: { width: 40, height: 20, channels: 3, background: '#f00' } })
      .withMetadata({ orientation: 6 })
      .jpeg()
      .toBuffer();
    expect(logoAspect(await loadLogo(logo, LIMIT))).toBe(2);
  });
});

describe('renderLogoMark', () => {
  it('scales the logo to the size given when rendering', async () => {
    const mark = await renderLogoMark(await loadLogo(await solidPng(40, 20, '#ff0000'), LIMIT), { width: 90, height: 45 });
    expect({ width: mark.width, height: mark.height }).toEqual({ width: 90, height: 45 });
    expect(rgbaAt(mark, 45, 22)).toEqual([255, 0, 0, 255]);
  });

  it('keeps the transparency when the logo has an alpha channel', async () => {
    const logo = await sharp({ create: { width: 20, height: 20, channels: 4, background: { r: 0, g: 0, b: 255, alpha: 0 } } })
      .png()
      .toBuffer();
    const mark = await renderLogoMark(await loadLogo(logo, LIMIT), { width: 10, height: 10 });
    expect(rgbaAt(mark, 5, 5)[3]).toBe(0);
  });

  it('draws the first frame when the logo is animated', async () => {
    const logo = await animatedImage(20, 20, ['#ff0000', '#00ff00'], 'gif');
    const mark = await renderLogoMark(await loadLogo(logo, LIMIT), { width: 10, height: 10 });
    expect({ width: mark.width, height: mark.height }).toEqual({ width: 10, height: 10 });
    expect(rgbaAt(mark, 5, 5)).toEqual([255, 0, 0, 255]);
  });

  it('throws corrupt_image when the logo data is truncated', async () => {
    const jpeg = await noisyJpeg(200, 200);
    const logo = await loadLogo(jpeg.subarray(0, jpeg.length / 2), LIMIT);
    await expect(renderLogoMark(logo, { width: 50, height: 50 })).rejects.toMatchObject({ code: 'corrupt_image' });
  });
});
