import sharp from 'sharp';
import { logoAspect, renderLogoMark, type LogoSource } from './logo-mark';
import { capPixels, markSize, type Size } from './placement';
import { rgbaInput, toRgba, type RgbaImage } from './rgba-image';
import { renderTextMark } from './text-mark';

export interface MarkSources {
  text?: string;
  logo?: LogoSource;
}

/** A piece's place in the mark, in fractions of the mark's width. */
export interface Box {
  left: number;
  top: number;
  width: number;
  height: number;
}

export interface MarkLayout {
  /** Mark height / mark width. */
  aspect: number;
  text?: Box;
  logo?: Box;
}

/** With both a logo and text, the logo is this many text heights tall... */
const LOGO_HEIGHT_IN_TEXT_HEIGHTS = 2;
/** ...and separated from the text by this many text heights. */
const GAP_IN_TEXT_HEIGHTS = 0.5;
/** Width at which the text is drawn once to learn its aspect. */
const MEASURE_WIDTH = 512;
/**
 * The mark is drawn at most this many pixels and scaled up on the way to the image: a mark
 * covering a huge image would otherwise cost gigabytes of RGBA in the JS heap for no visible gain.
 */
const MAX_RASTER_PIXELS = 4_000_000;

/** A drawn mark: `image` is scaled to `size` when it is placed, and is smaller only for huge marks. */
export interface Mark {
  image: RgbaImage;
  size: Size;
}

/**
 * Where the pieces go, from their aspects (height / width). Logo and text together read as a
 * signature: the logo on the left, the text to its right, vertically centred on it, half its height.
 */
export function layoutMark(aspects: { text?: number; logo?: number }): MarkLayout {
  const { text, logo } = aspects;
  if (text !== undefined && logo !== undefined) {
    // Units of one text height, then scaled so the whole mark is 1 wide.
    const logoWidth = LOGO_HEIGHT_IN_TEXT_HEIGHTS / logo;
    const textLeft = logoWidth + GAP_IN_TEXT_HEIGHTS;
    const total = textLeft + 1 / text;
    const textTop = (LOGO_HEIGHT_IN_TEXT_HEIGHTS - 1) / 2;
    return {
      aspect: LOGO_HEIGHT_IN_TEXT_HEIGHTS / total,
      logo: { left: 0, top: 0, width: logoWidth / total, height: LOGO_HEIGHT_IN_TEXT_HEIGHTS / total },
      text: { left: textLeft / total, top: textTop / total, width: 1 / text / total, height: 1 / total },
    };
  }
  if (text !== undefined) return { aspect: text, text: { left: 0, top: 0, width: 1, height: text } };
  if (logo !== undefined) return { aspect: logo, logo: { left: 0, top: 0, width: 1, height: logo } };
  throw new Error('a watermark needs text, a logo, or both');
}

interface Piece {
  image: RgbaImage;
  left: number;
  top: number;
}

function pixels(box: Box, markWidth: number): Box {
  return {
    left: Math.round(box.left * markWidth),
    top: Math.round(box.top * markWidth),
    width: Math.max(1, Math.round(box.width * markWidth)),
    height: Math.max(1, Math.round(box.height * markWidth)),
  };
}

async function renderPieces(sources: MarkSources, layout: MarkLayout, size: Size): Promise<Piece[]> {
  const pieces: Piece[] = [];
  if (sources.logo !== undefined && layout.logo !== undefined) {
    const box = pixels(layout.logo, size.width);
    pieces.push({ image: await renderLogoMark(sources.logo, box), left: box.left, top: box.top });
  }
  if (sources.text !== undefined && layout.text !== undefined) {
    const box = pixels(layout.text, size.width);
    const image = await renderTextMark(sources.text, box.width);
    // Pango's ink box may differ from the measured one by a pixel: centre on the planned box.
    const top = Math.max(0, Math.round(box.top + (box.height - image.height) / 2));
    pieces.push({ image, left: box.left, top });
  }
  return pieces;
}

/** Draws the pieces on one transparent canvas of exactly `size`. */
async function assemble(pieces: Piece[], size: Size): Promise<RgbaImage> {
  const [only] = pieces;
  if (pieces.length === 1 && only !== undefined && only.left === 0 && only.top === 0) {
    if (only.image.width === size.width && only.image.height === size.height) return only.image;
  }
  const width = Math.max(size.width, ...pieces.map((p) => p.left + p.image.width));
  const height = Math.max(size.height, ...pieces.map((p) => p.top + p.image.height));
  let canvas = sharp({ create: { width, height, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } });
  canvas = canvas.composite(
    pieces.map((p) => ({ input: p.image.data, ...rgbaInput(p.image), left: p.left, top: p.top })),
  );
  if (width === size.width && height === size.height) return toRgba(canvas);
  // Rounding left the canvas a pixel or two off the planned size, which placement relies on.
  const drawn = await toRgba(canvas);
  return toRgba(sharp(drawn.data, rgbaInput(drawn)).resize(size.width, size.height, { fit: 'fill' }));
}

function applyOpacity(mark: RgbaImage, opacity: number): RgbaImage {
  if (opacity === 1) return mark;
  for (let i = 3; i < mark.data.length; i += 4) {
    mark.data[i] = Math.round((mark.data[i] ?? 0) * opacity);
  }
  return mark;
}

/** Height / width of each recent text as drawn at MEASURE_WIDTH (one Pango layout and blur saved per mark). */
const textAspects = new Map<string, number>();
const TEXT_ASPECTS_KEPT = 256;

async function textAspect(text: string): Promise<number> {
  const known = textAspects.get(text);
  if (known !== undefined) return known;
  const measured = await renderTextMark(text, MEASURE_WIDTH);
  const aspect = measured.height / measured.width;
  if (textAspects.size >= TEXT_ASPECTS_KEPT) {
    const oldest = textAspects.keys().next();
    if (oldest.done !== true) textAspects.delete(oldest.value);
  }
  textAspects.set(text, aspect);
  return aspect;
}

/** The finished mark for a frame: laid out, `size` × the frame's width, alpha scaled by `opacity`. */
export async function buildMark(sources: MarkSources, frame: Size, size: number, opacity: number): Promise<Mark> {
  const layout = layoutMark({
    text: sources.text === undefined ? undefined : await textAspect(sources.text),
    logo: sources.logo === undefined ? undefined : logoAspect(sources.logo),
  });
  const target = markSize(frame, size, layout.aspect);
  const raster = capPixels(target, MAX_RASTER_PIXELS);
  const image = applyOpacity(await assemble(await renderPieces(sources, layout, raster), raster), opacity);
  return { image, size: target };
}
