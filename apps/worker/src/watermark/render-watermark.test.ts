import { WATERMARK_POSITIONS, type WatermarkOptions, type WatermarkPosition } from '@offload/contracts';
import { clearOverlayCache, renderWatermark } from './render-watermark';
import {
  decodePixels,
  diffBox,
  diffTotal,
  pixelAt,
  solidPng,
  watermarkOptions,
  type Pixels,
  type Region,
} from '../../test/image-helpers';

const WIDTH = 400;
const HEIGHT = 300;
const LIMITS = { limitInputPixels: 10_000_000 };

let grey: Buffer;
let greyPixels: Pixels;

beforeAll(async () => {
  grey = await solidPng(WIDTH, HEIGHT, '#808080');
  greyPixels = await decodePixels(grey);
});

async function watermarked(options: Partial<WatermarkOptions>, image = grey): Promise<Pixels> {
  const output = await renderWatermark({ image, options: watermarkOptions({ text: 'Watermark', ...options }), limits: LIMITS });
  return decodePixels(output.data);
}

/** The cell of a 3×3 grid over the image, by column and row. */
function cell(column: number, row: number): Region {
  return {
    left: Math.floor((column * WIDTH) / 3),
    top: Math.floor((row * HEIGHT) / 3),
    right: Math.floor(((column + 1) * WIDTH) / 3),
    bottom: Math.floor(((row + 1) * HEIGHT) / 3),
  };
}

const CELLS: Record<WatermarkPosition, [number, number]> = {
  'top-left': [0, 0],
  top: [1, 0],
  'top-right': [2, 0],
  left: [0, 1],
  center: [1, 1],
  right: [2, 1],
  'bottom-left': [0, 2],
  bottom: [1, 2],
  'bottom-right': [2, 2],
};

function expectNear(actual: number, expected: number, tolerance: number): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(tolerance);
}

function inside(box: Region, region: Region): boolean {
  return box.left >= region.left && box.top >= region.top && box.right <= region.right && box.bottom <= region.bottom;
}

describe('renderWatermark', () => {
  it.each(WATERMARK_POSITIONS)('draws the mark in its region and leaves the opposite one alone when the position is %s', async (position) => {
    const output = await watermarked({ position, opacity: 1 });
    const box = diffBox(greyPixels, output);
    const [column, row] = CELLS[position];
    const opposite = position === 'center' ? cell(0, 0) : cell(2 - column, 2 - row);
    expect(box).toBeDefined();
    expect(box && inside(box, cell(column, row))).toBe(true);
    expect(diffBox(greyPixels, output, 16, opposite)).toBeUndefined();
  });

  it('keeps the margin from the edges when the margin is a fraction of the shorter side', async () => {
    const margin = 0.1 * HEIGHT;
    const bottomRight = diffBox(greyPixels, await watermarked({ position: 'bottom-right', margin: 0.1, opacity: 1 }));
    const topLeft = diffBox(greyPixels, await watermarked({ position: 'top-left', margin: 0.1, opacity: 1 }));
    // The outline's faint outer pixels may fall under the diff threshold: allow a few pixels.
    expectNear(WIDTH - (bottomRight?.right ?? 0), margin, 3);
    expectNear(HEIGHT - (bottomRight?.bottom ?? 0), margin, 3);
    expectNear(topLeft?.left ?? 0, margin, 3);
    expectNear(topLeft?.top ?? 0, margin, 3);
  });

  it.each([0.25, 0.5, 0.9])('makes the mark %s of the image width when given that size', async (size) => {
    const box = diffBox(greyPixels, await watermarked({ size, opacity: 1, position: 'center' }), 4);
    expect(box).toBeDefined();
    expectNear((box?.right ?? 0) - (box?.left ?? 0), size * WIDTH, 4);
  });

  it('draws markup literally at the normal text size when the text is Pango markup', async () => {
    const hostile = diffBox(greyPixels, await watermarked({ text: '<span font="200">A</span>', size: 0.8, opacity: 1 }));
    const plain = diffBox(greyPixels, await watermarked({ text: 'Hello world, plain text!!', size: 0.8, opacity: 1 }));
    const height = (box: Region | undefined): number => (box?.bottom ?? 0) - (box?.top ?? 0);
    const width = (box: Region | undefined): number => (box?.right ?? 0) - (box?.left ?? 0);
    expectNear(width(hostile), 0.8 * WIDTH, 4);
    expect(width(hostile) / height(hostile)).toBeGreaterThan(12);
    expectNear(height(hostile), height(plain), height(plain) * 0.3);
  });

  it('blends the mark more strongly when the opacity is higher', async () => {
    const strong = diffTotal(greyPixels, await watermarked({ opacity: 1 }));
    const faint = diffTotal(greyPixels, await watermarked({ opacity: 0.3 }));
    expect(faint).toBeGreaterThan(0);
    expect(strong).toBeGreaterThan(faint * 2);
  });

  it('leaves the image unchanged when the opacity is 0', async () => {
    expect(diffBox(greyPixels, await watermarked({ opacity: 0 }), 1)).toBeUndefined();
  });

  it('repeats the mark in every quadrant when tiling', async () => {
    const output = await watermarked({ tile: true, opacity: 1, size: 0.2 });
    const quadrants: Region[] = [
      { left: 0, top: 0, right: WIDTH / 2, bottom: HEIGHT / 2 },
      { left: WIDTH / 2, top: 0, right: WIDTH, bottom: HEIGHT / 2 },
      { left: 0, top: HEIGHT / 2, right: WIDTH / 2, bottom: HEIGHT },
      { left: WIDTH / 2, top: HEIGHT / 2, right: WIDTH, bottom: HEIGHT },
    ];
    for (const quadrant of quadrants) expect(diffBox(greyPixels, output, 16, quadrant)).toBeDefined();
  });

  it.each(['#ffffff', '#000000'])('draws a clearly visible mark when the image is %s', async (colour) => {
    const image = await solidPng(WIDTH, HEIGHT, colour);
    const before = await decodePixels(image);
    const after = await watermarked({ opacity: 1 }, image);
    const box = diffBox(before, after, 128);
    expect(box).toBeDefined();
    expect((box?.right ?? 0) - (box?.left ?? 0)).toBeGreaterThan(0.2 * WIDTH);
  });

  it('draws the logo beside the text when given both', async () => {
    const logo = await solidPng(50, 50, '#ff0000');
    const output = await renderWatermark({
      image: grey,
      logo,
      options: watermarkOptions({ text: 'Watermark', logo: 'upload-key', opacity: 1, size: 0.5, position: 'center' }),
      limits: LIMITS,
    });
    const pixels = await decodePixels(output.data);
    const box = diffBox(greyPixels, pixels);
    expect(box).toBeDefined();
    const left = box?.left ?? 0;
    expectNear((box?.right ?? 0) - left, 0.5 * WIDTH, 4);
    // The logo leads on the left, vertically centred; the text follows on its right.
    expect(pixelAt(pixels, left + 3, HEIGHT / 2)).toEqual([255, 0, 0]);
    expect(diffBox(greyPixels, pixels, 16, { left: left + 60, top: 0, right: WIDTH, bottom: HEIGHT })).toBeDefined();
  });

  it('draws the logo alone at the requested size when given no text', async () => {
    const logo = await solidPng(40, 20, '#00ff00');
    const output = await renderWatermark({
      image: grey,
      logo,
      options: watermarkOptions({ logo: 'upload-key', opacity: 1, size: 0.5, position: 'top-left', margin: 0 }),
      limits: LIMITS,
    });
    expect(diffBox(greyPixels, await decodePixels(output.data))).toEqual({ left: 0, top: 0, right: 200, bottom: 100 });
  });

  it('throws the abort reason when the signal is already aborted', async () => {
    const controller = new AbortController();
    const reason = new Error('time is up');
    controller.abort(reason);
    await expect(
      renderWatermark({ image: grey, options: watermarkOptions({ text: 'x' }), limits: LIMITS, signal: controller.signal }),
    ).rejects.toBe(reason);
  });

  it('throws a TypeError when options name a logo but no logo bytes are passed', async () => {
    await expect(
      renderWatermark({ image: grey, options: watermarkOptions({ logo: 'upload-key' }), limits: LIMITS }),
    ).rejects.toThrow(TypeError);
  });

  it('draws the same pixels from a reused mark as from a freshly drawn one', async () => {
    const logo = await solidPng(30, 20, '#0000ff');
    const render = async (image: Buffer) =>
      (await renderWatermark({ image, logo, options: watermarkOptions({ text: 'Cached ©', logo: 'upload-key', opacity: 0.7 }), limits: LIMITS })).data;
    const white = await solidPng(WIDTH, HEIGHT, '#ffffff');
    clearOverlayCache();
    const fresh = await render(white);
    const reused = await render(white);
    clearOverlayCache();
    expect(reused.equals(fresh)).toBe(true);
    // Another opacity or logo is another mark.
    const fainter = await renderWatermark({ image: white, logo, options: watermarkOptions({ text: 'Cached ©', logo: 'upload-key', opacity: 0.3 }), limits: LIMITS });
    const otherLogo = await renderWatermark({ image: white, logo: await solidPng(30, 20, '#00ff00'), options: watermarkOptions({ text: 'Cached ©', logo: 'upload-key', opacity: 0.7 }), limits: LIMITS });
    expect(fainter.data.equals(fresh)).toBe(false);
    expect(otherLogo.data.equals(fresh)).toBe(false);
    expect((await render(white)).equals(fresh)).toBe(true);
  });
});
