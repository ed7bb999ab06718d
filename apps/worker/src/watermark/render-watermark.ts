import type { OutputFormat, WatermarkOptions } from '@offload/contracts';
import sharp from 'sharp';
import { buildMark } from './compose-mark';
import { decodeOptions } from './decode-options';
import { translateDecodeFailure } from './decode-failure';
import { encodeOutput } from './encode-output';
import { loadLogo } from './logo-mark';
import { markOverlays } from './mark-overlay';
import { planOutput } from './output-format';
import type { Size } from './placement';
import { assertWithinPixelLimit, probeImage } from './probe-image';

export interface WatermarkLimits {
  /** sharp limitInputPixels for image and logo */
  limitInputPixels: number;
}

export interface RenderWatermarkInput {
  image: Buffer;
  /** The bytes of the upload `options.logo` names; required when it is set. */
  logo?: Buffer;
  options: WatermarkOptions;
  limits: WatermarkLimits;
  signal?: AbortSignal;
}

export interface RenderWatermarkOutput {
  data: Buffer;
  format: OutputFormat | 'gif';
  contentType: string;
  /** Size of one frame. */
  width: number;
  height: number;
  pages: number;
}

/**
 * Draws the watermark on an untrusted image. Bad input (not an image, SVG, corrupt, over the
 * pixel limit) throws PermanentTaskError; an aborted `signal` throws its reason between steps.
 */
export async function renderWatermark(input: RenderWatermarkInput): Promise<RenderWatermarkOutput> {
  const { image, options, limits, signal } = input;
  if (options.logo !== undefined && input.logo === undefined) {
    throw new TypeError('options.logo is set but no logo bytes were passed');
  }
  signal?.throwIfAborted();

  const probe = await probeImage(image, 'image');
  const plan = planOutput(probe, options.format);
  const pages = plan.animated ? probe.pages : 1;
  assertWithinPixelLimit(probe, pages, limits.limitInputPixels, 'image');
  // sharp cannot rotate a multi-page image; animated GIF and WebP carry no EXIF orientation in practice.
  const frame: Size = plan.animated
    ? { width: probe.width, height: probe.height }
    : { width: probe.orientedWidth, height: probe.orientedHeight };

  const logo = input.logo === undefined ? undefined : await loadLogo(input.logo, limits.limitInputPixels);
  signal?.throwIfAborted();
  const mark = await buildMark({ text: options.text, logo }, frame, options.size, options.opacity);
  signal?.throwIfAborted();
  const overlays = await markOverlays(mark, frame, pages, options);
  signal?.throwIfAborted();

  const decode = decodeOptions({
    limitInputPixels: limits.limitInputPixels,
    animated: plan.animated,
    autoOrient: !plan.animated,
  });
  let pipeline = sharp(image, decode);
  if (plan.format === 'jpeg' && probe.hasAlpha) pipeline = pipeline.flatten({ background: '#ffffff' });
  pipeline = pipeline.composite(overlays);
  // Compositing adds an alpha channel; an opaque input stays opaque (smaller PNG/WebP output).
  if (!probe.hasAlpha) pipeline = pipeline.removeAlpha();
  pipeline = encodeOutput(pipeline.toColourspace('srgb'), plan.format, options.quality);

  let data: Buffer;
  try {
    data = await pipeline.toBuffer();
  } catch (err) {
    throw await translateDecodeFailure(err, image, decode, 'image');
  }
  signal?.throwIfAborted();
  return { data, format: plan.format, contentType: plan.contentType, width: frame.width, height: frame.height, pages };
}
