import { planOutput } from './output-format';

describe('planOutput', () => {
  it.each([
    ['jpeg', 'jpeg', 'image/jpeg'],
    ['png', 'png', 'image/png'],
    ['webp', 'webp', 'image/webp'],
    ['avif', 'avif', 'image/avif'],
    ['gif', 'gif', 'image/gif'],
    ['tiff', 'png', 'image/png'],
  ] as const)('keeps %s input as %s when no format is requested', (input, format, contentType) => {
    expect(planOutput({ format: input, pages: 1 }, undefined)).toEqual({ format, contentType, animated: false });
  });

  it('uses the requested format when one is given', () => {
    expect(planOutput({ format: 'png', pages: 1 }, 'avif')).toEqual({
      format: 'avif',
      contentType: 'image/avif',
      animated: false,
    });
  });

  it('keeps the frames when an animated GIF stays GIF or becomes WebP', () => {
    expect(planOutput({ format: 'gif', pages: 3 }, undefined).animated).toBe(true);
    expect(planOutput({ format: 'gif', pages: 3 }, 'webp').animated).toBe(true);
    expect(planOutput({ format: 'webp', pages: 3 }, undefined).animated).toBe(true);
  });

  it.each(['jpeg', 'png', 'avif'] as const)('takes one frame when an animated input is written as %s', (format) => {
    expect(planOutput({ format: 'gif', pages: 3 }, format).animated).toBe(false);
  });

  it('takes one page when a multi-page TIFF becomes PNG', () => {
    expect(planOutput({ format: 'tiff', pages: 4 }, undefined).animated).toBe(false);
  });
});
