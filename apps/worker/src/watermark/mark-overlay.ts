import type { WatermarkPosition } from '@offload/contracts';
import sharp from 'sharp';
import type { Mark } from './compose-mark';
import { markOffset, tilePadding, type Size } from './placement';
import { rgbaInput } from './rgba-image';

export interface MarkPlacement {
  position: WatermarkPosition;
  margin: number;
  tile: boolean;
}

const TRANSPARENT = { r: 0, g: 0, b: 0, alpha: 0 };

type Padding = { x: number; y: number };

/**
 * The mark as a composite input at its placed size. A mark drawn smaller (see buildMark) is
 * scaled up into a PNG: sharp streams the resize and the mostly transparent PNG stays small.
 */
async function markInput(mark: Mark, padding: Padding): Promise<sharp.OverlayOptions> {
  const { image, size } = mark;
  const padded = padding.x > 0 || padding.y > 0;
  if (!padded && image.width === size.width && image.height === size.height) {
    return { input: image.data, ...rgbaInput(image) };
  }
  let pipeline = sharp(image.data, rgbaInput(image));
  if (image.width !== size.width || image.height !== size.height) {
    pipeline = pipeline.resize(size.width, size.height, { fit: 'fill' });
  }
  if (padded) {
    pipeline = pipeline.extend({ top: padding.y, bottom: padding.y, left: padding.x, right: padding.x, background: TRANSPARENT });
  }
  return { input: await pipeline.png({ compressionLevel: 1 }).toBuffer() };
}

/**
 * One frame's overlay. A tiled mark is one padded tile that sharp repeats lazily, centred so the
 * pattern is symmetric (position and margin do not apply to tiling).
 */
async function frameLayer(mark: Mark, frame: Size, placement: MarkPlacement): Promise<sharp.OverlayOptions> {
  if (!placement.tile) {
    const offset = markOffset(frame, mark.size, placement.position, placement.margin);
    return { ...(await markInput(mark, { x: 0, y: 0 })), ...offset };
  }
  return { ...(await markInput(mark, tilePadding(frame, mark.size))), tile: true, gravity: 'centre' };
}

/**
 * The composite inputs that put the mark on every frame. sharp sees an animated image as one tall
 * strip of frames and composites against the whole strip, so for several frames the layer is first
 * drawn on one transparent frame, which sharp then repeats down the strip: each frame gets the
 * mark at the same place. The frame is kept as PNG, not raw, so a large frame costs little memory.
 */
export async function markOverlays(
  mark: Mark,
  frame: Size,
  pages: number,
  placement: MarkPlacement,
): Promise<sharp.OverlayOptions[]> {
  const layer = await frameLayer(mark, frame, placement);
  if (pages === 1) return [layer];
  const framePng = await sharp({ create: { ...frame, channels: 4, background: TRANSPARENT } })
    .composite([layer])
    .png({ compressionLevel: 1 })
    .toBuffer();
  return [{ input: framePng, tile: true, gravity: 'northwest' }];
}
