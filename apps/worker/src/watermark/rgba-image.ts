import type sharp from 'sharp';

/** Unpremultiplied 8-bit RGBA pixels, row by row, as sharp's raw output lays them out. */
export interface RgbaImage {
  data: Buffer;
  width: number;
  height: number;
}

/** The sharp input descriptor that reads an RgbaImage's bytes back. */
export function rgbaInput(image: RgbaImage): { raw: sharp.CreateRaw } {
  return { raw: { width: image.width, height: image.height, channels: 4 } };
}

/** Runs a pipeline to raw RGBA (adding an opaque alpha channel when it has none). */
export async function toRgba(pipeline: sharp.Sharp): Promise<RgbaImage> {
  const { data, info } = await pipeline.ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== 4) {
    throw new Error(`expected 4 channels from the mark pipeline, got ${info.channels}`);
  }
  return { data, width: info.width, height: info.height };
}
