import { buildMark, layoutMark } from './compose-mark';
import { loadLogo } from './logo-mark';
import type { RgbaImage } from './rgba-image';
import { solidPng } from '../../test/image-helpers';

const FRAME = { width: 400, height: 300 };

function maxAlpha(mark: RgbaImage): number {
  let max = 0;
  for (let i = 3; i < mark.data.length; i += 4) max = Math.max(max, mark.data[i] ?? 0);
  return max;
}

describe('layoutMark', () => {
  it('gives the text the whole mark when there is no logo', () => {
    expect(layoutMark({ text: 0.2 })).toEqual({ aspect: 0.2, text: { left: 0, top: 0, width: 1, height: 0.2 } });
  });

  it('gives the logo the whole mark when there is no text', () => {
    expect(layoutMark({ logo: 0.5 })).toEqual({ aspect: 0.5, logo: { left: 0, top: 0, width: 1, height: 0.5 } });
  });

  it('puts the logo left and the text right, centred and half as tall, when given both', () => {
    // Text 10 × 1 and a square logo 2 × 2, half a text height apart: 12.5 wide in all.
    const layout = layoutMark({ text: 0.1, logo: 1 });
    expect(layout.aspect).toBeCloseTo(2 / 12.5);
    expect(layout.logo).toEqual({ left: 0, top: 0, width: 2 / 12.5, height: 2 / 12.5 });
    expect(layout.text?.left).toBeCloseTo(2.5 / 12.5);
    expect(layout.text?.top).toBeCloseTo(0.5 / 12.5);
    expect(layout.text?.width).toBeCloseTo(10 / 12.5);
    expect(layout.text?.height).toBeCloseTo(1 / 12.5);
  });

  it('throws when there is neither text nor logo', () => {
    expect(() => layoutMark({})).toThrow('a watermark needs text, a logo, or both');
  });
});

describe('buildMark', () => {
  it('makes the mark size × the frame width when given text', async () => {
    const { image, size } = await buildMark({ text: 'Watermark' }, FRAME, 0.5, 1);
    expect(size.width).toBe(200);
    expect({ width: image.width, height: image.height }).toEqual(size);
    expect(size.height).toBeGreaterThan(10);
    expect(size.height).toBeLessThan(100);
  });

  it('scales the alpha by the opacity when the opacity is below 1', async () => {
    const alphaAt = async (opacity: number): Promise<number> =>
      maxAlpha((await buildMark({ text: 'Watermark' }, FRAME, 0.5, opacity)).image);
    expect(await alphaAt(1)).toBe(255);
    expect(await alphaAt(0.4)).toBe(102);
    expect(await alphaAt(0)).toBe(0);
  });

  it('draws the logo at the left edge and the text after it when given both', async () => {
    const logo = await loadLogo(await solidPng(30, 30, '#ff0000'), 10_000_000);
    const { image } = await buildMark({ text: 'Watermark', logo }, FRAME, 0.5, 1);
    expect(image.width).toBe(200);
    const pixels = (from: number, to: number): number[][] => {
      const found: number[][] = [];
      for (let y = 0; y < image.height; y += 1) {
        for (let x = from; x < to; x += 1) {
          const i = (y * image.width + x) * 4;
          found.push([...image.data.subarray(i, i + 4)]);
        }
      }
      return found;
    };
    const isRed = ([r, g, b, a]: number[]): boolean => r === 255 && g === 0 && b === 0 && a === 255;
    const isWhiteInk = ([r, g, b, a]: number[]): boolean => r === 255 && g === 255 && b === 255 && a === 255;
    // The square logo is as tall as the mark; the text is what lies to its right.
    expect(pixels(0, image.height).every(isRed)).toBe(true);
    expect(pixels(image.height, image.width).some(isRed)).toBe(false);
    expect(pixels(image.height, image.width).some(isWhiteInk)).toBe(true);
  });

  it('shrinks the mark to the frame height when a tall logo would not fit', async () => {
    const logo = await loadLogo(await solidPng(10, 100, '#ff0000'), 10_000_000);
    const { size } = await buildMark({ logo }, FRAME, 0.5, 1);
    expect(size).toEqual({ width: 30, height: 300 });
  });

  it('draws a smaller raster than the placed size when the mark would be huge', async () => {
    const { image, size } = await buildMark({ text: 'A' }, { width: 20_000, height: 20_000 }, 1, 1);
    expect(size.width).toBe(20_000);
    expect(image.width * image.height).toBeLessThanOrEqual(4_000_000);
    expect(image.width / image.height).toBeCloseTo(size.width / size.height, 1);
  });

  it('keeps each text its own aspect when texts alternate (measurements are remembered per text)', async () => {
    const height = async (text: string): Promise<number> => (await buildMark({ text }, FRAME, 0.5, 1)).size.height;
    const short = await height('Hi');
    const long = await height('Hello, a much longer line of text');
    expect(short).toBeGreaterThan(long * 3);
    expect(await height('Hi')).toBe(short);
    expect(await height('Hello, a much longer line of text')).toBe(long);
  });
});
