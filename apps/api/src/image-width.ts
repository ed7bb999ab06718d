import { imageSize } from 'image-size';

/** EXIF orientations that turn the image a quarter: its width is then its stored height. */
const QUARTER_TURNS = new Set([5, 6, 7, 8]);

/**
 * An image's width as the worker will see it (after EXIF auto-orientation), from its first bytes;
 * undefined when they do not tell (a format image-size does not read, or a header past the head).
 */
export function orientedWidth(head: Uint8Array): number | undefined {
  try {
    const { width, height, orientation } = imageSize(head);
    return orientation !== undefined && QUARTER_TURNS.has(orientation) ? height : width;
  } catch {
    return undefined;
  }
}
