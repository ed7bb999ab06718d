import type { WatermarkPosition } from '@offload/contracts';

export interface Size {
  width: number;
  height: number;
}

export interface Offset {
  left: number;
  top: number;
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(Math.max(value, min), max);
}

/**
 * The mark's pixel size: `size` × the frame's width, its height from the mark's aspect
 * (height / width). A mark that would be taller than the frame shrinks until it fits, since
 * sharp cannot composite an overlay larger than the image.
 */
export function markSize(frame: Size, size: number, aspect: number): Size {
  const width = clamp(Math.round(size * frame.width), 1, frame.width);
  const height = Math.max(1, Math.round(width * aspect));
  if (height <= frame.height) return { width, height };
  return { width: clamp(Math.round(frame.height / aspect), 1, frame.width), height: frame.height };
}

/** `size` scaled down, aspect kept, to at most `maxPixels` pixels; unchanged when already within. */
export function capPixels(size: Size, maxPixels: number): Size {
  const scale = Math.sqrt(maxPixels / (size.width * size.height));
  if (scale >= 1) return size;
  return {
    width: Math.max(1, Math.floor(size.width * scale)),
    height: Math.max(1, Math.floor(size.height * scale)),
  };
}

/** The margin in pixels: a fraction of the frame's shorter side. */
export function marginPixels(frame: Size, margin: number): number {
  return Math.round(margin * Math.min(frame.width, frame.height));
}

type Anchor = 'start' | 'middle' | 'end';

const ANCHORS: Record<WatermarkPosition, { x: Anchor; y: Anchor }> = {
  'top-left': { x: 'start', y: 'start' },
  top: { x: 'middle', y: 'start' },
  'top-right': { x: 'end', y: 'start' },
  left: { x: 'start', y: 'middle' },
  center: { x: 'middle', y: 'middle' },
  right: { x: 'end', y: 'middle' },
  'bottom-left': { x: 'start', y: 'end' },
  bottom: { x: 'middle', y: 'end' },
  'bottom-right': { x: 'end', y: 'end' },
};

function along(anchor: Anchor, frameLength: number, markLength: number, margin: number): number {
  const free = frameLength - markLength;
  const wanted = anchor === 'start' ? margin : anchor === 'end' ? free - margin : free / 2;
  // A margin the frame has no room for gives way: the mark stays whole inside the frame.
  return clamp(Math.round(wanted), 0, Math.max(0, free));
}

/** Top-left corner of a single mark at `position`, `margin` (a fraction of the shorter side) from the edges. */
export function markOffset(frame: Size, mark: Size, position: WatermarkPosition, margin: number): Offset {
  const anchor = ANCHORS[position];
  const pixels = marginPixels(frame, margin);
  return {
    left: along(anchor.x, frame.width, mark.width, pixels),
    top: along(anchor.y, frame.height, mark.height, pixels),
  };
}

/**
 * Transparent padding on each side of one tile, so repeated marks sit half a mark width apart
 * across and at least a mark height apart down. Capped so a tile never outgrows the frame.
 */
export function tilePadding(frame: Size, mark: Size): { x: number; y: number } {
  const gapX = mark.width / 2;
  const gapY = Math.max(mark.height, mark.width / 4);
  return {
    x: Math.min(Math.floor(gapX / 2), Math.floor((frame.width - mark.width) / 2)),
    y: Math.min(Math.floor(gapY / 2), Math.floor((frame.height - mark.height) / 2)),
  };
}
