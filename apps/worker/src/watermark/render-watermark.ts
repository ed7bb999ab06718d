import { createHash } from 'node:crypto';
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
import { RenderCache } from './render-cache';

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
  /**
   * Told the fraction done (0–1) after each step. sharp decodes, composites and encodes every
   * frame of an animated image in one pipeline call, so there is no per-frame count to report:
   * the steps are the image probed, the mark drawn, the output encoded.
   */
  onProgress?: (fraction: number) => void;
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
 * Finished overlays by everything they depend on. A worker draws the same mark on image after
 * image (one text, a few image sizes): drawing it (Pango, blur, outline) costs about a third of a
 * 1920×1080 JPEG's render, so it is drawn once per process and reused. Held values are never
 * mutated: sharp only reads an overlay's input.
 */
const OVERLAY_CACHE_BYTES = 32 * 1024 * 1024;
const overlayCache = new RenderCache<sharp.OverlayOptions[]>(OVERLAY_CACHE_BYTES, (overlays) =>
  overlays.reduce((n, o) => n + (Buffer.isBuffer(o.input) ? o.input.length : 0), 0),
);

/** Forgets every cached overlay (tests). */
export function clearOverlayCache(): void {
  overlayCache.clear();
}

interface OverlayRequest {
  options: WatermarkOptions;
  logo: Buffer | undefined;
  frame: Size;
  pages: number;
  limitInputPixels: number;
}

function overlayKey({ options, logo, frame, pages, limitInputPixels }: OverlayRequest): string {
  return JSON.stringify([
    options.text ?? null,
    logo === undefined ? null : createHash('sha256').update(logo).digest('base64'),
    limitInputPixels,
    frame.width,
    frame.height,
    pages,
    options.size,
    options.opacity,
    options.position,
    options.margin,
    options.tile,
  ]);
}

/** The logo checked, the mark drawn and placed on every frame (a bad logo throws PermanentTaskError). */
async function drawOverlays({ options, logo: logoBytes, frame, pages, limitInputPixels }: OverlayRequest): Promise<sharp.OverlayOptions[]> {
  const logo = logoBytes === undefined ? undefined : await loadLogo(logoBytes, limitInputPixels);
  const mark = await buildMark({ text: options.text, logo }, frame, options.size, options.opacity);
  return markOverlays(mark, frame, pages, options);
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

  input.onProgress?.(0.1);

  const request: OverlayRequest = { options, logo: input.logo, frame, pages, limitInputPixels: limits.limitInputPixels };
  const overlays = await overlayCache.get(overlayKey(request), () => drawOverlays(request));
  signal?.throwIfAborted();
  input.onProgress?.(0.25);

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
  input.onProgress?.(0.9);
  return { data, format: plan.format, contentType: plan.contentType, width: frame.width, height: frame.height, pages };
}
