import sharp from 'sharp';
import { PermanentTaskError } from '../errors';
import { sniffFormat } from './sniff-format';

/** Input formats offload reads. SVG (a hostile vector: external references, unbounded rendering) is not one. */
export type InputFormat = 'jpeg' | 'png' | 'gif' | 'webp' | 'tiff' | 'avif';

/** Which input an error is about, so the message says so. */
export type ImageRole = 'image' | 'logo';

export interface ImageProbe {
  format: InputFormat;
  /** Stored size of one frame, EXIF orientation not applied. */
  width: number;
  height: number;
  /** Size of the first frame once its EXIF orientation is applied. */
  orientedWidth: number;
  orientedHeight: number;
  /** Frames (1 unless animated or multi-page). */
  pages: number;
  hasAlpha: boolean;
}

const DIRECT_FORMATS: readonly InputFormat[] = ['jpeg', 'png', 'gif', 'webp', 'tiff'];

function inputFormat(metadata: sharp.Metadata): InputFormat | undefined {
  const direct = DIRECT_FORMATS.find((format) => format === metadata.format);
  if (direct !== undefined) return direct;
  // sharp reports AVIF and HEIC alike as heif; only the AV1 flavour is AVIF.
  if (metadata.format === 'heif' && metadata.compression === 'av1') return 'avif';
  return undefined;
}

/**
 * Reads only the header, so a pixel bomb costs nothing here; the pixel limit is checked by
 * assertWithinPixelLimit once the caller knows how many frames it will decode.
 */
export async function probeImage(bytes: Buffer, role: ImageRole): Promise<ImageProbe> {
  let metadata: sharp.Metadata;
  try {
    metadata = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (err) {
    if (sniffFormat(bytes) !== undefined) {
      throw new PermanentTaskError('corrupt_image', `the ${role} has a corrupt header`, { cause: err });
    }
    throw new PermanentTaskError('unsupported_image', `the ${role} is not an image format offload reads`, {
      cause: err,
    });
  }
  const format = inputFormat(metadata);
  if (format === undefined) {
    throw new PermanentTaskError(
      'unsupported_image',
      `the ${role} is ${metadata.format}; offload reads jpeg, png, webp, gif, avif and tiff`,
    );
  }
  return {
    format,
    width: metadata.width,
    height: metadata.height,
    orientedWidth: metadata.autoOrient.width,
    orientedHeight: metadata.autoOrient.height,
    pages: metadata.pages ?? 1,
    hasAlpha: metadata.hasAlpha,
  };
}

/** Throws image_too_large when decoding `frames` frames would exceed the pixel limit. */
export function assertWithinPixelLimit(
  probe: ImageProbe,
  frames: number,
  limitInputPixels: number,
  role: ImageRole,
): void {
  const pixels = probe.width * probe.height * frames;
  if (pixels > limitInputPixels) {
    throw new PermanentTaskError(
      'image_too_large',
      `the ${role} declares ${pixels} pixels (${probe.width}×${probe.height}×${frames} frames); the limit is ${limitInputPixels}`,
    );
  }
}
