import sharp from 'sharp';
import { renderWatermark, type RenderWatermarkOutput } from './render-watermark';
import {
  animatedImage,
  decodePixels,
  diffBox,
  framePixels,
  noisyJpeg,
  solidPng,
  watermarkOptions,
  type WatermarkOverrides,
} from '../../test/image-helpers';

const LIMITS = { limitInputPixels: 10_000_000 };
const COLOURS = ['#ff0000', '#00ff00', '#0000ff'];

function render(image: Buffer, options: WatermarkOverrides = {}): Promise<RenderWatermarkOutput> {
  return renderWatermark({ image, options: watermarkOptions({ text: 'Mark', opacity: 1, ...options }), limits: LIMITS });
}

describe('renderWatermark output', () => {
  it('applies the EXIF orientation before placing the mark when the JPEG is stored rotated', async () => {
    const stored = sharp({ create: { width: 300, height: 200, channels: 3, background: '#808080' } }).jpeg();
    const image = await stored.withMetadata({ orientation: 6 }).toBuffer();
    const output = await render(image, { format: 'png' });
    const metadata = await sharp(output.data).metadata();
    expect({ width: output.width, height: output.height }).toEqual({ width: 200, height: 300 });
    expect({ width: metadata.width, height: metadata.height, orientation: metadata.orientation }).toEqual({
      width: 200,
      height: 300,
      orientation: undefined,
    });
    const upright = await decodePixels(image, { autoOrient: true });
    const box = diffBox(upright, await decodePixels(output.data));
    expect(box?.right).toBeGreaterThan(190);
    expect(box?.bottom).toBeGreaterThan(290);
  });

  it('strips EXIF and ICC and writes sRGB when the input carries a P3 profile and EXIF', async () => {
    const image = await sharp(await noisyJpeg(120, 80))
      .withExif({ IFD0: { Copyright: 'secret' } })
      .withIccProfile('p3')
      .jpeg()
      .toBuffer();
    const before = await sharp(image).metadata();
    expect(before.exif).toBeDefined();
    expect(before.icc).toBeDefined();
    const metadata = await sharp((await render(image)).data).metadata();
    expect(metadata).toMatchObject({ space: 'srgb', hasProfile: false });
    expect([metadata.exif, metadata.icc, metadata.xmp, metadata.iptc]).toEqual([undefined, undefined, undefined, undefined]);
  });

  it('writes sRGB when the input is CMYK', async () => {
    const image = await sharp(await noisyJpeg(120, 80)).toColourspace('cmyk').jpeg().toBuffer();
    expect((await sharp(image).metadata()).space).toBe('cmyk');
    const metadata = await sharp((await render(image)).data).metadata();
    expect(metadata).toMatchObject({ space: 'srgb', channels: 3 });
  });

  it.each([
    ['png', 'image/png'],
    ['jpeg', 'image/jpeg'],
    ['webp', 'image/webp'],
    ['avif', 'image/avif'],
  ] as const)('writes %s when that format is requested', async (format, contentType) => {
    const output = await render(await noisyJpeg(64, 48), { format });
    expect(output).toMatchObject({ format, contentType, width: 64, height: 48, pages: 1 });
    const metadata = await sharp(output.data).metadata();
    expect(metadata.format === 'heif' ? metadata.compression : metadata.format).toBe(format === 'avif' ? 'av1' : format);
  });

  it('keeps the input format when no format is requested', async () => {
    const output = await render(await solidPng(64, 48, '#336699'));
    expect(output.format).toBe('png');
    expect(output.data.subarray(1, 4).toString('latin1')).toBe('PNG');
  });

  it('writes a smaller JPEG when the quality is lower', async () => {
    const image = await noisyJpeg(300, 200);
    const low = await render(image, { quality: 10 });
    const high = await render(image, { quality: 95 });
    expect(low.data.length).toBeLessThan(high.data.length);
  });

  it('flattens transparency onto white when a transparent PNG becomes JPEG', async () => {
    const image = await sharp({ create: { width: 64, height: 48, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } })
      .png()
      .toBuffer();
    const pixels = await decodePixels((await render(image, { format: 'jpeg' })).data);
    expect([...pixels.data.subarray(0, 3)]).toEqual([255, 255, 255]);
  });

  it.each(['gif', 'webp'] as const)('marks every frame when the input is an animated %s', async (format) => {
    const image = await animatedImage(120, 90, COLOURS, format);
    const output = await render(image);
    expect(output).toMatchObject({ format, width: 120, height: 90, pages: 3 });
    const metadata = await sharp(output.data).metadata();
    expect(metadata).toMatchObject({ format, pages: 3, width: 120, height: 90, delay: [100, 100, 100], loop: 0 });
    const before = await decodePixels(image, { animated: true });
    const after = await decodePixels(output.data, { animated: true });
    for (let page = 0; page < 3; page += 1) {
      const box = diffBox(framePixels(before, page, 90), framePixels(after, page, 90), 48);
      expect(box).toBeDefined();
      // bottom-right by default: the mark sits in the frame's lower right quarter.
      expect(box?.left).toBeGreaterThanOrEqual(60);
      expect(box?.top).toBeGreaterThanOrEqual(45);
    }
  });

  it('repeats the mark on every frame when tiling an animated GIF', async () => {
    const image = await animatedImage(120, 90, COLOURS, 'gif');
    const output = await render(image, { tile: true, size: 0.3 });
    const before = await decodePixels(image, { animated: true });
    const after = await decodePixels(output.data, { animated: true });
    const firstBox = diffBox(framePixels(before, 0, 90), framePixels(after, 0, 90), 48);
    for (let page = 0; page < 3; page += 1) {
      expect(diffBox(framePixels(before, page, 90), framePixels(after, page, 90), 48)).toEqual(firstBox);
    }
  });

  it('writes an animated GIF as animated WebP when WebP is requested', async () => {
    const output = await render(await animatedImage(120, 90, COLOURS, 'gif'), { format: 'webp' });
    expect(output).toMatchObject({ format: 'webp', pages: 3 });
    expect((await sharp(output.data).metadata()).pages).toBe(3);
  });

  it('takes the first frame when an animated GIF is written as PNG', async () => {
    const output = await render(await animatedImage(120, 90, COLOURS, 'gif'), { format: 'png' });
    expect(output).toMatchObject({ format: 'png', width: 120, height: 90, pages: 1 });
    const pixels = await decodePixels(output.data);
    expect({ width: pixels.width, height: pixels.height }).toEqual({ width: 120, height: 90 });
    expect([...pixels.data.subarray(0, 3)]).toEqual([255, 0, 0]);
  });

  it('reports rising progress at each step of an animated GIF, before the output is stored', async () => {
    const fractions: number[] = [];
    const image = await animatedImage(120, 90, COLOURS, 'gif');
    await renderWatermark({ image, options: watermarkOptions({ text: 'Mark' }), limits: LIMITS, onProgress: (f) => fractions.push(f) });
    expect(fractions).toEqual([0.1, 0.25, 0.9]);
  });
});
