import type sharp from 'sharp';

/**
 * 'error' rather than sharp's default 'warning': truncated or broken pixel data must fail, but
 * libjpeg warns about benign quirks (extraneous bytes before a marker) that many camera files have.
 */
const FAIL_ON: sharp.FailOnOptions = 'error';

export interface DecodeChoice {
  limitInputPixels: number;
  /** Read every frame of an animated GIF or WebP, not only the first. */
  animated: boolean;
  /** Apply the EXIF orientation (single-frame decodes only: sharp cannot rotate multi-page images). */
  autoOrient: boolean;
}

/** The sharp constructor options for decoding untrusted input. */
export function decodeOptions(choice: DecodeChoice): sharp.SharpOptions {
  return {
    failOn: FAIL_ON,
    limitInputPixels: choice.limitInputPixels,
    animated: choice.animated,
    autoOrient: choice.autoOrient,
  };
}
