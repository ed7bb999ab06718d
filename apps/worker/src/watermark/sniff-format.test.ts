import sharp from 'sharp';
import { sniffFormat } from './sniff-format';

describe('sniffFormat', () => {
  it.each(['jpeg', 'png', 'gif', 'webp', 'tiff', 'avif'] as const)(
    'recognises %s when given bytes sharp wrote',
    async (format) => {
      const bytes = await sharp({ create: { width: 4, height: 4, channels: 3, background: '#123456' } })
        .toFormat(format)
        .toBuffer();
      expect(sniffFormat(bytes)).toBe(format);
    },
  );

  it('returns undefined when the bytes are text', () => {
    expect(sniffFormat(Buffer.from('hello, not an image'))).toBeUndefined();
  });

  it('returns undefined when the bytes are an SVG document', () => {
    expect(sniffFormat(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'))).toBeUndefined();
  });

  it('returns undefined when the buffer is empty', () => {
    expect(sniffFormat(Buffer.alloc(0))).toBeUndefined();
  });
});
