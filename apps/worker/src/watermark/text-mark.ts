import sharp from 'sharp';
import { PermanentTaskError } from '../errors';
import { escapeMarkup } from './escape-markup';
import { rgbaInput, toRgba, type RgbaImage } from './rgba-image';

/**
 * Bold for legibility at small sizes. DejaVu has no CJK and no colour emoji: Pango falls back per
 * glyph through fontconfig, to Noto Sans CJK and Noto Color Emoji in the worker image.
 */
const FONT = 'DejaVu Sans Bold';
/** Pango's size for a font description without one, in points (pixels at 72 dpi). */
const DEFAULT_POINTS = 12;
const REFERENCE_DPI = 72;
/** Below this Pango draws nothing legible; the mark is scaled down instead. */
const MIN_DPI = 8;
const MAX_DPI = 1_000_000;
/** Outline thickness as a fraction of the font size. */
const OUTLINE_RATIO = 0.08;
/** Strength of the blurred halo that becomes the outline: higher is a harder edge. */
const HALO_GAIN = 3;

const VISIBLE = /[^\p{White_Space}\p{Cc}\p{Cf}]/u;

/** One band of 8-bit values. */
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

/** Band `band` of what `pipeline` produces (sharp applies one extractChannel, the last asked). */
async function toMask(pipeline: sharp.Sharp, band: 0 | 3): Promise<Mask> {
  const { data, info } = await pipeline.extractChannel(band).raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

/**
 * The text's ink, cropped by Pango to its extent: white glyphs, and colour emoji in their own
 * colours (a colour font ignores the foreground). Drawn as RGBA because a one-band coverage mask
 * keeps only an emoji's silhouette (😀 becomes a plain disc).
 */
async function renderInk(markup: string, dpi: number): Promise<RgbaImage> {
  const text = `<span foreground="white">${markup}</span>`;
  return toRgba(sharp({ text: { text, font: FONT, dpi, align: 'centre', rgba: true } }));
}

/** Width of each recent text's coverage at REFERENCE_DPI: the same text is drawn again and again. */
const referenceWidths = new Map<string, number>();
const REFERENCE_WIDTHS_KEPT = 256;

async function referenceWidth(markup: string): Promise<number> {
  const known = referenceWidths.get(markup);
  if (known !== undefined) return known;
  const { width } = await renderInk(markup, REFERENCE_DPI);
  if (referenceWidths.size >= REFERENCE_WIDTHS_KEPT) {
    const oldest = referenceWidths.keys().next();
    if (oldest.done !== true) referenceWidths.delete(oldest.value);
  }
  referenceWidths.set(markup, width);
  return width;
}

/** The ink over a black halo: readable on light and dark images alike. */
function outlined(ink: RgbaImage, halo: Mask): RgbaImage {
  const data = Buffer.alloc(halo.width * halo.height * 4);
  for (let i = 0; i < halo.data.length; i += 1) {
    const coverage = (ink.data[i * 4 + 3] ?? 0) / 255;
    const outline = (halo.data[i] ?? 0) / 255;
    // The ink composited over the black outline, kept unpremultiplied.
    const alpha = coverage + outline * (1 - coverage);
    const share = alpha === 0 ? 0 : coverage / alpha;
    data[i * 4] = Math.round((ink.data[i * 4] ?? 0) * share);
    data[i * 4 + 1] = Math.round((ink.data[i * 4 + 1] ?? 0) * share);
    data[i * 4 + 2] = Math.round((ink.data[i * 4 + 2] ?? 0) * share);
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

  let ink = await renderInk(markup, dpi);
  if (ink.width !== inkWidth) ink = await toRgba(sharp(ink.data, rgbaInput(ink)).resize({ width: inkWidth }));
  const padded = await toRgba(
    sharp(ink.data, rgbaInput(ink)).extend({
      top: radius,
      bottom: radius,
      left: radius,
      right: radius,
      background: { r: 0, g: 0, b: 0, alpha: 0 },
    }),
  );
  // The alpha band on its own first: sharp's linear() skips an alpha band, and one band blurs faster.
  const coverage = await toMask(sharp(padded.data, rgbaInput(padded)), 3);
  // sharp turns one-band raw input into sRGB on the way through; all bands carry the same value.
  const halo = await toMask(
    sharp(coverage.data, maskInput(coverage))
      .blur(Math.max(0.3, radius / 2))
      .linear(HALO_GAIN, 0),
    0,
  );
  const mark = outlined(padded, halo);
  if (mark.width === width) return mark;
  // Only for marks a few pixels wide, where the outline alone is wider than asked.
  const height = Math.max(1, Math.round((mark.height * width) / mark.width));
  return toRgba(sharp(mark.data, rgbaInput(mark)).resize(width, height, { fit: 'fill' }));
}
