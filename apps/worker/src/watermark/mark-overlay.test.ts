import sharp from 'sharp';
import { markOverlays, type MarkPlacement } from './mark-overlay';
import type { Mark } from './compose-mark';
import { diffBox, framePixels, type Pixels } from '../../test/image-helpers';

const FRAME = { width: 120, height: 90 };
const MARK: Mark = { image: { data: Buffer.alloc(30 * 10 * 4, 255), width: 30, height: 10 }, size: { width: 30, height: 10 } };
const PLACED: MarkPlacement = { position: 'bottom-right', margin: 0.1, tile: false };

/** A black strip of `pages` frames with the overlays composited on it. */
async function composite(pages: number, overlays: sharp.OverlayOptions[]): Promise<Pixels> {
  const strip = { width: FRAME.width, height: FRAME.height * pages, channels: 3 as const, background: '#000000' };
  const png = await sharp({ create: { ...strip, pageHeight: FRAME.height } }).png().toBuffer();
  const { data, info } = await sharp(png).composite(overlays).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: info.channels };
}

async function black(pages: number): Promise<Pixels> {
  return composite(pages, []);
}

describe('markOverlays', () => {
  it('places one mark at the position and margin when not tiling', async () => {
    const pixels = await composite(1, await markOverlays(MARK, FRAME, 1, PLACED));
    expect(diffBox(await black(1), pixels)).toEqual({ left: 81, top: 71, right: 111, bottom: 81 });
  });

  it('scales the raster up to the placed size when the raster is smaller', async () => {
    const small: Mark = { image: { data: Buffer.alloc(3 * 1 * 4, 255), width: 3, height: 1 }, size: MARK.size };
    const pixels = await composite(1, await markOverlays(small, FRAME, 1, PLACED));
    expect(diffBox(await black(1), pixels)).toEqual({ left: 81, top: 71, right: 111, bottom: 81 });
  });

  it('covers the whole frame with marks when tiling', async () => {
    const pixels = await composite(1, await markOverlays(MARK, FRAME, 1, { ...PLACED, tile: true }));
    const box = diffBox(await black(1), pixels);
    expect(box?.left).toBeLessThan(15);
    expect(box?.top).toBeLessThan(15);
    expect(box?.right).toBeGreaterThan(FRAME.width - 15);
    expect(box?.bottom).toBeGreaterThan(FRAME.height - 15);
  });

  it.each([false, true])('marks every frame the same way when there are several frames (tile: %s)', async (tile) => {
    const overlays = await markOverlays(MARK, FRAME, 3, { ...PLACED, tile });
    expect(overlays).toHaveLength(1);
    const before = await black(3);
    const after = await composite(3, overlays);
    const first = diffBox(framePixels(before, 0, FRAME.height), framePixels(after, 0, FRAME.height));
    expect(first).toBeDefined();
    for (const page of [1, 2]) {
      expect(diffBox(framePixels(before, page, FRAME.height), framePixels(after, page, FRAME.height))).toEqual(first);
    }
  });
});
