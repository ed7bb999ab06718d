import sharp from 'sharp';
import { decodeOptions } from './decode-options';
import { translateDecodeFailure } from './decode-failure';
import { assertWithinPixelLimit, probeImage, type ImageProbe } from './probe-image';
import type { Size } from './placement';
import { toRgba, type RgbaImage } from './rgba-image';

/** A logo whose header has been checked: a format offload reads, within the pixel limit. */
export interface LogoSource {
  bytes: Buffer;
  probe: ImageProbe;
  limitInputPixels: number;
}

/** Probes the logo; only its first frame is ever drawn, so only that frame counts against the limit. */
export async function loadLogo(bytes: Buffer, limitInputPixels: number): Promise<LogoSource> {
  const probe = await probeImage(bytes, 'logo');
  assertWithinPixelLimit(probe, 1, limitInputPixels, 'logo');
  return { bytes, probe, limitInputPixels };
}

/** Height / width of the logo as drawn (after EXIF orientation). */
export function logoAspect(logo: LogoSource): number {
  return logo.probe.orientedHeight / logo.probe.orientedWidth;
}

/** The logo's first frame, upright, in sRGB, scaled to `size` (sharp shrinks on load where it can). */
export async function renderLogoMark(logo: LogoSource, size: Size): Promise<RgbaImage> {
  const options = decodeOptions({ limitInputPixels: logo.limitInputPixels, animated: false, autoOrient: true });
  try {
    return await toRgba(
      sharp(logo.bytes, options).resize(size.width, size.height, { fit: 'fill' }).toColourspace('srgb'),
    );
  } catch (err) {
    throw await translateDecodeFailure(err, logo.bytes, options, 'logo');
  }
}
