import type sharp from 'sharp';
import type { RenderedFormat } from './output-format';

/**
 * Sets the encoder. sharp strips EXIF, ICC and XMP unless asked to keep them, so none are kept.
 * GIF has no quality setting, so `quality` does not apply to it; for PNG it turns on palette
 * quantisation, PNG's only lossy knob.
 */
export function encodeOutput(pipeline: sharp.Sharp, format: RenderedFormat, quality?: number): sharp.Sharp {
  switch (format) {
    case 'jpeg':
      return pipeline.jpeg(quality === undefined ? {} : { quality });
    case 'png':
      return pipeline.png(quality === undefined ? {} : { palette: true, quality });
    case 'webp':
      return pipeline.webp(quality === undefined ? {} : { quality });
    case 'avif':
      return pipeline.avif(quality === undefined ? {} : { quality });
    case 'gif':
      return pipeline.gif();
  }
}
