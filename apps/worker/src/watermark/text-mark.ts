import sharp from 'sharp';
import { PermanentTaskError } from '../errors';
import { escapeMarkup } from './escape-markup';
import { rgbaInput, toRgba, type RgbaImage } from './rgba-image';

/** Bold for legibility at small sizes; DejaVu is what the worker image installs via fontconfig. */
const FONT = 'DejaVu Sans Bold';
/** Pango's size for a font description without one, in points (pixels at 72 dpi). */
const DEFAULT_POINTS = 12;
const REFERENCE_DPI = 72;
/** Below this Pango draws nothing legible; the mask is scaled down instead. */
const MIN_DPI = 8;
const MAX_DPI = 1_000_000;
/** Outline thickness as a fraction of the font size. */
const OUTLINE_RATIO = 0.08;
/** Strength of the blurred halo that becomes the outline: higher is a harder edge. */
const HALO_GAIN = 3;

const VISIBLE = /[^\p{White_Space}\p{Cc}\p{Cf}]/u;

interface Mask {
  data: Buffer;
  width: number;
  height: number;
}

function outlineRadius(dpi: number): number {
  return Math.max(1, Math.round(((DEFAULT_POINTS * dpi) / 72) * OUTLINE_RATIO));
}

function maskInput(mask: Mask): { raw: sharp.CreateRaw } {
  return { raw: { width: mask.width, height: mask.height, channels: 1 } };
}

async function toMask(pipeline: sharp.Sharp): Promise<Mask> {
  // sharp turns one-band raw input into sRGB on the way through; all bands carry the same value.
  const { data, info } = await pipeline.extractChannel(0).raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

/** Coverage of the text (255 = ink), cropped by Pango to the ink's extent. */
async function renderCoverage(markup: string, dpi: number): Promise<Mask> {
  return toMask(sharp({ text: { text: markup, font: FONT, dpi, align: 'centre' } }));
}

/** Width of each recent text's coverage at REFERENCE_DPI: the same text is drawn again and again. */
const referenceWidths = new Map<string, number>();
const REFERENCE_WIDTHS_KEPT = 256;

async function referenceWidth(markup: string): Promise<number> {
  const known = referenceWidths.get(markup);
  if (known !== undefined) return known;
  const { width } = await renderCoverage(markup, REFERENCE_DPI);
  if (referenceWidths.size >= REFERENCE_WIDTHS_KEPT) {
    const oldest = referenceWidths.keys().next();
    if (oldest.done !== true) referenceWidths.delete(oldest.value);
  }
  referenceWidths.set(markup, width);
  return width;
}

/** White text over a black halo: readable on light and dark images alike. */
function outlined(coverage: Mask, halo: Mask): RgbaImage {
  const data = Buffer.alloc(halo.width * halo.height * 4);
  for (let i = 0; i < halo.data.length; i += 1) {
    const ink = (coverage.data[i] ?? 0) / 255;
    const outline = (halo.data[i] ?? 0) / 255;
    // White ink composited over the black outline, kept unpremultiplied.
    const alpha = ink + outline * (1 - ink);
    const grey = alpha === 0 ? 0 : Math.round((255 * ink) / alpha);
    data[i * 4] = grey;
    data[i * 4 + 1] = grey;
    data[i * 4 + 2] = grey;
    data[i * 4 + 3] = Math.round(alpha * 255);
  }
  return { data, width: halo.width, height: halo.height };
}

/**
 * Draws `text` literally (never as markup) in white with a dark outline, exactly `width` pixels
 * wide. Pango lays out at a dpi chosen from a reference measurement, so glyphs are drawn near
 * their final size rather than scaled from a small bitmap.
 */
export async function renderTextMark(text: string, width: number): Promise<RgbaImage> {
  const markup = escapeMarkup(text);
  if (!VISIBLE.test(markup)) {
    throw new PermanentTaskError('invalid_message', 'the watermark text has no visible characters to draw');
  }
  // width ≈ reference width × dpi / 72 + 2 × outline radius, and the radius grows with dpi.
  const pixelsPerDpi = (await referenceWidth(markup)) / REFERENCE_DPI + (2 * DEFAULT_POINTS * OUTLINE_RATIO) / 72;
  const dpi = Math.min(MAX_DPI, Math.max(MIN_DPI, Math.round(width / pixelsPerDpi)));
  const radius = outlineRadius(dpi);
  const inkWidth = Math.max(1, width - 2 * radius);

  let coverage = await renderCoverage(markup, dpi);
  if (coverage.width !== inkWidth) {
    coverage = await toMask(sharp(coverage.data, maskInput(coverage)).resize({ width: inkWidth }));
  }
  const padded = await toMask(
    sharp(coverage.data, maskInput(coverage)).extend({
      top: radius,
      bottom: radius,
      left: radius,
      right: radius,
      background: '#000000',
    }),
  );
  const halo = await toMask(
    sharp(padded.data, maskInput(padded))
      .blur(Math.max(0.3, radius / 2))
      .linear(HALO_GAIN, 0),
  );
  const mark = outlined(padded, halo);
  if (mark.width === width) return mark;
  // Only for marks a few pixels wide, where the outline alone is wider than asked.
  const height = Math.max(1, Math.round((mark.height * width) / mark.width));
  return toRgba(sharp(mark.data, rgbaInput(mark)).resize(width, height, { fit: 'fill' }));
}
