import { describe, expect, it } from '@jest/globals';
import { hasErrorCode } from './has-error-code';

describe('hasErrorCode', () => {
  it('returns true when the error carries the code', () => {
    expect(hasErrorCode(Object.assign(new Error('gone'), { code: 'ENOENT' }), 'ENOENT')).toBe(true);
  });

  it.each([[new Error('plain')], [Object.assign(new Error('other'), { code: 'EEXIST' })], ['ENOENT'], [null], [undefined]])(
    'returns false when given %p',
    (err) => {
      expect(hasErrorCode(err, 'ENOENT')).toBe(false);
    },
  );
});
