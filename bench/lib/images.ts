import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { OUT_DIR } from './child';

export interface ImageSize {
  width: number;
  height: number;
}

export const IMAGES_PER_SIZE = 4;

/**
 * Photo-like JPEGs (colour noise softened by a blur, over a gradient, quality 85), generated once
 * into bench/out/images and reused by every run, so both sides of a row read the same bytes.
 */
export async function benchImages(size: ImageSize): Promise<{ paths: string[]; buffers: Buffer[] }> {
  const dir = join(OUT_DIR, 'images');
  await mkdir(dir, { recursive: true });
  const paths: string[] = [];
  for (let i = 0; i < IMAGES_PER_SIZE; i++) {
    const path = join(dir, `photo-${size.width}x${size.height}-${i}.jpg`);
    if (!existsSync(path)) {
      const { width, height } = size;
      const noise = await sharp({ create: { width, height, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 110 + i * 10, sigma: 50 } } })
        .blur(1.2)
        .raw()
        .toBuffer();
      const gradient = Buffer.from(
        `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="#2a6f97"/><stop offset="1" stop-color="#f4a259"/></linearGradient></defs><rect width="100%" height="100%" fill="url(#g)"/></svg>`,
      );
      const jpeg = await sharp(noise, { raw: { width, height, channels: 3 } })
        .composite([{ input: gradient, blend: 'soft-light' }])
        .jpeg({ quality: 85 })
        .toBuffer();
      await writeFile(`${path}.tmp`, jpeg);
      await rename(`${path}.tmp`, path);
    }
    paths.push(path);
  }
  return { paths, buffers: await Promise.all(paths.map((p) => readFile(p))) };
}

/** The watermark every image row draws (the same options on every side). */
export const WATERMARK_FIELDS = { text: '© offload bench', position: 'bottom-right', opacity: '0.6', size: '0.25', margin: '0.02' } as const;
