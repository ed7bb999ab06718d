import { childTraceparent, parseTraceparent } from './trace';

const VALID = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('parseTraceparent', () => {
  it('reads the trace id, parent id and flags of a version 00 header', () => {
    expect(parseTraceparent(VALID)).toEqual({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', parentId: '00f067aa0ba902b7', flags: '01' });
  });

  it.each([
    ['a missing header', undefined],
    ['garbage', 'not-a-trace'],
    ['an all-zero trace id', '00-00000000000000000000000000000000-00f067aa0ba902b7-01'],
    ['an all-zero parent id', '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01'],
    ['upper-case hex', VALID.toUpperCase()],
    ['an unknown version', VALID.replace(/^00/, 'ff')],
  ])('rejects %s', (_name, value) => {
    expect(parseTraceparent(value)).toBeUndefined();
  });
});

describe('childTraceparent', () => {
  it('keeps the trace id and flags and makes a new parent id when the header is valid', () => {
    const child = parseTraceparent(childTraceparent(VALID));
    expect(child?.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(child?.flags).toBe('01');
    expect(child?.parentId).not.toBe('00f067aa0ba902b7');
  });

  it('starts no trace of its own when there is no valid header', () => {
    expect(childTraceparent('junk')).toBeUndefined();
  });
});
