import { toCount, toNumber, toScalar } from './json-values';

describe('toNumber', () => {
  it('returns a finite number as it is', () => {
    expect(toNumber(1.5)).toBe(1.5);
    expect(toNumber(-0)).toBe(-0);
  });

  it('parses a BIGINT that arrives as text', () => {
    expect(toNumber('42')).toBe(42);
    expect(toNumber('-9007199254740991')).toBe(-9007199254740991);
    expect(toNumber(' 7 ')).toBe(7);
  });

  it('returns null for a non-finite number or numeric text', () => {
    expect(toNumber(Number.NaN)).toBeNull();
    expect(toNumber(Number.POSITIVE_INFINITY)).toBeNull();
    expect(toNumber('Infinity')).toBeNull();
    expect(toNumber('1e400')).toBeNull();
  });

  it('returns null for text that is not a number, blank text, and non-numbers', () => {
    expect(toNumber('abc')).toBeNull();
    expect(toNumber('')).toBeNull();
    expect(toNumber('  ')).toBeNull();
    expect(toNumber(null)).toBeNull();
    expect(toNumber(undefined)).toBeNull();
    expect(toNumber(true)).toBeNull();
    expect(toNumber([1])).toBeNull();
    expect(toNumber({ n: 1 })).toBeNull();
  });
});

describe('toCount', () => {
  it('reads a count as a number, and anything unreadable as 0', () => {
    expect(toCount('12')).toBe(12);
    expect(toCount(3)).toBe(3);
    expect(toCount(null)).toBe(0);
    expect(toCount(undefined)).toBe(0);
    expect(toCount('x')).toBe(0);
  });
});

describe('toScalar', () => {
  it('keeps booleans, numbers and strings as themselves', () => {
    expect(toScalar(true)).toBe(true);
    expect(toScalar(false)).toBe(false);
    expect(toScalar(2.5)).toBe(2.5);
    expect(toScalar('x')).toBe('x');
    expect(toScalar('')).toBe('');
  });

  it('maps null and undefined to null', () => {
    expect(toScalar(null)).toBeNull();
    expect(toScalar(undefined)).toBeNull();
  });

  it('writes lists and objects as JSON text', () => {
    expect(toScalar([1, 'a'])).toBe('[1,"a"]');
    expect(toScalar({ a: 1, b: null })).toBe('{"a":1,"b":null}');
  });
});
