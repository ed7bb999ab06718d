import { PermanentTaskError } from '../errors';
import { decodeOptions } from './decode-options';
import { translateDecodeFailure } from './decode-failure';
import { noisyJpeg } from '../../test/image-helpers';

const OPTIONS = decodeOptions({ limitInputPixels: 10_000_000, animated: false, autoOrient: true });

describe('translateDecodeFailure', () => {
  it('returns corrupt_image when the input fails to decode on its own', async () => {
    const jpeg = await noisyJpeg(200, 150);
    const original = new Error('pipeline failed');
    const translated = await translateDecodeFailure(original, jpeg.subarray(0, jpeg.length / 2), OPTIONS, 'logo');
    expect(translated).toBeInstanceOf(PermanentTaskError);
    expect(translated).toMatchObject({ code: 'corrupt_image', message: expect.stringContaining('logo') });
  });

  it('returns the original error when the input decodes on its own', async () => {
    const original = new Error('out of memory');
    await expect(translateDecodeFailure(original, await noisyJpeg(20, 20), OPTIONS, 'image')).resolves.toBe(original);
  });

  it('returns a PermanentTaskError unchanged when one was already thrown', async () => {
    const original = new PermanentTaskError('image_too_large', 'too big');
    await expect(translateDecodeFailure(original, Buffer.from('x'), OPTIONS, 'image')).resolves.toBe(original);
  });
});
