import { imageSize } from 'image-size';
import type { TaskInput } from '@offload/contracts';
import { validationProblem } from './http-errors';
import type { InspectedUpload } from './upload-references';

/** EXIF orientations that turn the image a quarter: its width is then its stored height. */
const QUARTER_TURNS = new Set([5, 6, 7, 8]);

/**
 * The image's width as the worker will see it (after EXIF auto-orientation), from its first bytes;
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

/**
 * `422` for a watermark no one could see: `size` × the image's width under one pixel. (An opacity
 * of 0 is refused by the schema.) When the image's width cannot be read from its head, the worker
 * draws the mark at least one pixel wide.
 */
export function assertMarkVisible(input: TaskInput, uploads: readonly InspectedUpload[]): void {
  if (input.task_type !== 'watermark') return;
  const image = uploads.find((u) => u.path === 'content.image');
  const width = image === undefined ? undefined : orientedWidth(image.head);
  if (width === undefined) return;
  const { size } = input.content.watermark;
  if (size * width >= 1) return;
  throw validationProblem([
    {
      path: 'content.watermark.size',
      message: `the mark would be ${(size * width).toPrecision(2)} px wide on this ${width} px wide image: invisible; use a size of at least ${(1 / width).toPrecision(2)}`,
      code: 'too_small',
    },
  ]);
}
