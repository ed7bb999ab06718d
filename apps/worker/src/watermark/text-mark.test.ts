import { renderTextMark } from './text-mark';
import type { RgbaImage } from './rgba-image';

const HOSTILE = '<span font="200">A</span>';
const PLAIN = 'Hello world, plain text!!';

function count(mark: RgbaImage, test: (grey: number, alpha: number) => boolean): number {
  let n = 0;
  for (let i = 0; i < mark.data.length; i += 4) if (test(mark.data[i] ?? 0, mark.data[i + 3] ?? 0)) n += 1;
  return n;
}

describe('renderTextMark', () => {
  it('draws the mark exactly the requested width when given a width', async () => {
    for (const width of [37, 200, 1234]) {
      const mark = await renderTextMark('Watermark', width);
      expect(mark.width).toBe(width);
      expect(mark.data.length).toBe(mark.width * mark.height * 4);
    }
  });

  it('draws markup as literal characters when the text contains Pango markup', async () => {
    expect(HOSTILE).toHaveLength(PLAIN.length);
    const hostile = await renderTextMark(HOSTILE, 500);
    const plain = await renderTextMark(PLAIN, 500);
    // 25 glyphs on one line: a long strip, as high as plain text of the same length; one
    // 200-point "A" would be about as high as wide.
    expect(hostile.width / hostile.height).toBeGreaterThan(12);
    expect(hostile.height).toBeGreaterThan(plain.height * 0.7);
    expect(hostile.height).toBeLessThan(plain.height * 1.4);
  });

  it('draws white ink inside a dark outline when rendering any text', async () => {
    const mark = await renderTextMark('Readable', 300);
    expect(count(mark, (grey, alpha) => grey > 240 && alpha > 240)).toBeGreaterThan(200);
    expect(count(mark, (grey, alpha) => grey < 30 && alpha > 200)).toBeGreaterThan(200);
    expect(count(mark, (_grey, alpha) => alpha === 0)).toBeGreaterThan(0);
  });

  it('draws each line when the text has several', async () => {
    const one = await renderTextMark('line', 200);
    const two = await renderTextMark('line\nline', 200);
    expect(two.height).toBeGreaterThan(one.height * 1.8);
  });

  it('throws invalid_message when the text has nothing visible to draw', async () => {
    await expect(renderTextMark(' \t\u200b\u0001', 200)).rejects.toMatchObject({
      name: 'PermanentTaskError',
      code: 'invalid_message',
    });
  });
});
