import sharp from 'sharp';
import type { ThumbnailContent, ThumbnailFit, ThumbnailFormat } from '@offload/contracts';
import { PermanentTaskError } from '../errors';
import { translateDecodeFailure } from '../watermark/decode-failure';
import { decodeOptions } from '../watermark/decode-options';
import { encodeOutput } from '../watermark/encode-output';
import { assertWithinPixelLimit, probeImage } from '../watermark/probe-image';

export interface ThumbnailLimits {
  /** sharp limitInputPixels. */
  limitInputPixels: number;
}

export interface RenderedThumbnail {
  /** `w<width>`: what `GET /v1/tasks/:id/outputs/:name` takes. */
  name: string;
  data: Buffer;
  contentType: string;
  width: number;
  height: number;
}

const CONTENT_TYPES: Readonly<Record<ThumbnailFormat, string>> = {
  webp: 'image/webp',
  avif: 'image/avif',
  jpeg: 'image/jpeg',
  png: 'image/png',
};

/** Transparent where the format has alpha; white in JPEG, which has none. */
function background(format: ThumbnailFormat): sharp.Color {
  return format === 'jpeg' ? { r: 255, g: 255, b: 255, alpha: 1 } : { r: 0, g: 0, b: 0, alpha: 0 };
}

/**
 * The scale to decode at: as small as the largest rendition allows, so every rendition is a
 * downscale of the one decoded copy (never of a copy smaller than itself), and never above 1.
 */
function decodeScale(fit: ThumbnailFit, width: number, height: number, widest: number): number {
  // `cover` fills a square of the width asked for, so the image's shorter side must reach it.
  const reference = fit === 'cover' ? Math.min(width, height) : width;
  return Math.min(1, widest / reference);
}

/**
 * Every rendition of an untrusted image, decoded once: the image is read (EXIF orientation
 * applied, first frame of an animation, pixel limit checked on its header first), scaled once to
 * what the largest rendition needs, and each rendition is resized from that copy and encoded with
 * its metadata stripped. Bad input throws PermanentTaskError (`unsupported_image`, `corrupt_image`,
 * `image_too_large`, `invalid_options` for a width above the image's without `enlarge`).
 */
export async function renderThumbnails(
  image: Buffer,
  options: ThumbnailContent,
  limits: ThumbnailLimits,
  signal: AbortSignal,
  onRendition: (done: number, total: number) => void = () => undefined,
): Promise<RenderedThumbnail[]> {
  const probe = await probeImage(image, 'image');
  assertWithinPixelLimit(probe, 1, limits.limitInputPixels, 'image');
  const { orientedWidth: width, orientedHeight: height } = probe;
  const tooWide = options.widths.filter((w) => w > width);
  if (!options.enlarge && tooWide.length > 0) {
    throw new PermanentTaskError(
      'invalid_options',
      `the image is ${width} px wide; ${tooWide.join(', ')} px would enlarge it (set enlarge to true to allow that)`,
    );
  }
  signal.throwIfAborted();

  const decode = decodeOptions({ limitInputPixels: limits.limitInputPixels, animated: false, autoOrient: true });
  const scale = decodeScale(options.fit, width, height, Math.max(...options.widths));
  let decoded: { data: Buffer; info: sharp.OutputInfo };
  try {
    let pipeline = sharp(image, decode).toColourspace('srgb').ensureAlpha();
    if (scale < 1) pipeline = pipeline.resize(Math.max(1, Math.round(width * scale)), Math.max(1, Math.round(height * scale)), { fit: 'fill' });
    decoded = await pipeline.raw().toBuffer({ resolveWithObject: true });
  } catch (err) {
    throw await translateDecodeFailure(err, image, decode, 'image');
  }
  const raw = { width: decoded.info.width, height: decoded.info.height, channels: decoded.info.channels };

  const renditions: RenderedThumbnail[] = [];
  for (const target of options.widths) {
    signal.throwIfAborted();
    // `inside`: the height from the original's aspect ratio, not the scaled copy's (which rounding moved).
    let pipeline =
      options.fit === 'inside'
        ? sharp(decoded.data, { raw }).resize(target, Math.max(1, Math.round((target * height) / width)), { fit: 'fill' })
        : sharp(decoded.data, { raw }).resize(target, target, {
            fit: options.fit,
            position: options.fit === 'cover' ? sharp.strategy.attention : 'centre',
            background: background(options.format),
          });
    pipeline = options.format === 'jpeg' ? pipeline.flatten({ background: '#ffffff' }) : probe.hasAlpha || options.fit === 'contain' ? pipeline : pipeline.removeAlpha();
    const { data, info } = await encodeOutput(pipeline, options.format, options.quality).toBuffer({ resolveWithObject: true });
    renditions.push({ name: `w${target}`, data, contentType: CONTENT_TYPES[options.format], width: info.width, height: info.height });
    onRendition(renditions.length, options.widths.length);
  }
  return renditions;
}
