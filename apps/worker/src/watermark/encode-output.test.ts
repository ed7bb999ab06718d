import sharp from 'sharp';
import { encodeOutput } from './encode-output';
import { noisyJpeg } from '../../test/image-helpers';

async function encode(format: Parameters<typeof encodeOutput>[1], quality?: number): Promise<Buffer> {
  return encodeOutput(sharp(await noisyJpeg(64, 48)), format, quality).toBuffer();
}

describe('encodeOutput', () => {
  it.each(['jpeg', 'png', 'webp', 'gif'] as const)('writes %s when asked for it', async (format) => {
    expect((await sharp(await encode(format)).metadata()).format).toBe(format);
  });

  it('writes AV1 in HEIF when asked for avif', async () => {
    expect(await sharp(await encode('avif')).metadata()).toMatchObject({ format: 'heif', compression: 'av1' });
  });

  it.each(['jpeg', 'webp', 'avif'] as const)('writes smaller %s when the quality is lower', async (format) => {
    expect((await encode(format, 10)).length).toBeLessThan((await encode(format, 95)).length);
  });

  it('quantises to a palette when PNG is given a quality', async () => {
    expect((await sharp(await encode('png', 50)).metadata()).isPalette).toBe(true);
    expect((await sharp(await encode('png')).metadata()).isPalette).toBe(false);
  });
});
