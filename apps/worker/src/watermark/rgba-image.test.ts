import sharp from 'sharp';
import { rgbaInput, toRgba } from './rgba-image';

describe('toRgba', () => {
  it('adds an opaque alpha channel when the image has none', async () => {
    const image = await toRgba(sharp({ create: { width: 2, height: 1, channels: 3, background: '#102030' } }));
    expect(image).toEqual({ data: Buffer.from([16, 32, 48, 255, 16, 32, 48, 255]), width: 2, height: 1 });
  });
});

describe('rgbaInput', () => {
  it('reads the bytes back unchanged when given to sharp', async () => {
    const image = { data: Buffer.from([1, 2, 3, 4, 5, 6, 7, 8]), width: 1, height: 2 };
    expect(await toRgba(sharp(image.data, rgbaInput(image)))).toEqual(image);
  });
});
