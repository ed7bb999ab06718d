import { describe, expect, it } from '@jest/globals';
import { assertRecordId } from './record-id';

describe('assertRecordId', () => {
  it('returns the id when it is a UUID', () => {
    const id = '7f0c2a4e-5b1d-4c3e-9a8f-0123456789ab';
    expect(assertRecordId(id)).toBe(id);
  });

  it.each(['', '..', '../7f0c2a4e-5b1d-4c3e-9a8f-0123456789ab', '7f0c2a4e-5b1d-4c3e-9a8f-0123456789ab.json', 'a/b'])(
    'throws a RangeError when the id is %j',
    (id) => {
      expect(() => assertRecordId(id)).toThrow(RangeError);
    },
  );
});
