import { WATERMARK_POSITIONS } from '@offload/contracts';
import { capPixels, marginPixels, markOffset, markSize, tilePadding } from './placement';

const FRAME = { width: 400, height: 300 };

describe('markSize', () => {
  it('makes the mark size × the frame width when it fits', () => {
    expect(markSize(FRAME, 0.25, 0.2)).toEqual({ width: 100, height: 20 });
  });

  it('shrinks the mark to the frame height when its aspect would make it taller', () => {
    expect(markSize(FRAME, 1, 2)).toEqual({ width: 150, height: 300 });
  });

  it('keeps the mark at least one pixel each way when the size is tiny', () => {
    expect(markSize(FRAME, 0.0001, 0.0001)).toEqual({ width: 1, height: 1 });
  });
});

describe('capPixels', () => {
  it('keeps the size when it is within the cap', () => {
    expect(capPixels({ width: 100, height: 50 }, 5000)).toEqual({ width: 100, height: 50 });
  });

  it('scales both sides down by the same factor when the size is over the cap', () => {
    expect(capPixels({ width: 4000, height: 1000 }, 40_000)).toEqual({ width: 400, height: 100 });
  });
});

describe('marginPixels', () => {
  it('takes the fraction of the shorter side when the frame is landscape or portrait', () => {
    expect(marginPixels(FRAME, 0.1)).toBe(30);
    expect(marginPixels({ width: 300, height: 400 }, 0.1)).toBe(30);
  });
});

describe('markOffset', () => {
  const mark = { width: 100, height: 20 };
  const expected = {
    'top-left': { left: 6, top: 6 },
    top: { left: 150, top: 6 },
    'top-right': { left: 294, top: 6 },
    left: { left: 6, top: 140 },
    center: { left: 150, top: 140 },
    right: { left: 294, top: 140 },
    'bottom-left': { left: 6, top: 274 },
    bottom: { left: 150, top: 274 },
    'bottom-right': { left: 294, top: 274 },
  };

  it.each(WATERMARK_POSITIONS)('places the mark at the margin when the position is %s', (position) => {
    expect(markOffset(FRAME, mark, position, 0.02)).toEqual(expected[position]);
  });

  it('keeps the mark inside the frame when the margin leaves no room', () => {
    expect(markOffset(FRAME, { width: 390, height: 20 }, 'bottom-right', 0.5)).toEqual({ left: 0, top: 130 });
    expect(markOffset(FRAME, { width: 390, height: 20 }, 'top-left', 0.5)).toEqual({ left: 10, top: 150 });
  });

  it('puts the mark at the origin when it fills the frame', () => {
    expect(markOffset(FRAME, FRAME, 'center', 0.02)).toEqual({ left: 0, top: 0 });
  });
});

describe('tilePadding', () => {
  it('spaces tiles half a mark across and a mark height down when the frame is roomy', () => {
    expect(tilePadding(FRAME, { width: 100, height: 40 })).toEqual({ x: 25, y: 20 });
  });

  it('spaces rows by a quarter mark width when the mark is thin', () => {
    expect(tilePadding(FRAME, { width: 100, height: 10 })).toEqual({ x: 25, y: 12 });
  });

  it('caps the padding so a tile fits the frame when the mark is nearly as big as the frame', () => {
    expect(tilePadding(FRAME, { width: 390, height: 296 })).toEqual({ x: 5, y: 2 });
  });
});
