import { decodeOptions } from './decode-options';

describe('decodeOptions', () => {
  it('fails on broken pixel data and applies the pixel limit when building decode options', () => {
    expect(decodeOptions({ limitInputPixels: 1234, animated: true, autoOrient: false })).toEqual({
      failOn: 'error',
      limitInputPixels: 1234,
      animated: true,
      autoOrient: false,
    });
  });
});
