import type { OutputFormat } from '@offload/contracts';
import type { ImageProbe, InputFormat } from './probe-image';

export type RenderedFormat = OutputFormat | 'gif';

export interface OutputPlan {
  format: RenderedFormat;
  contentType: string;
  /** Keep every frame (the input is animated and the output format can animate). */
  animated: boolean;
}

/** TIFF is read but not written: PNG keeps it lossless. */
const DEFAULT_FORMAT: Record<InputFormat, RenderedFormat> = {
  jpeg: 'jpeg',
  png: 'png',
  webp: 'webp',
  gif: 'gif',
  avif: 'avif',
  tiff: 'png',
};

const CONTENT_TYPES: Record<RenderedFormat, string> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  avif: 'image/avif',
  gif: 'image/gif',
};

const ANIMATED_INPUTS = new Set<InputFormat>(['gif', 'webp']);
const ANIMATED_OUTPUTS = new Set<RenderedFormat>(['gif', 'webp']);

/** The output format (requested, else the input's) and whether the frames survive. */
export function planOutput(probe: Pick<ImageProbe, 'format' | 'pages'>, requested?: OutputFormat): OutputPlan {
  const format = requested ?? DEFAULT_FORMAT[probe.format];
  return {
    format,
    contentType: CONTENT_TYPES[format],
    animated: probe.pages > 1 && ANIMATED_INPUTS.has(probe.format) && ANIMATED_OUTPUTS.has(format),
  };
}
