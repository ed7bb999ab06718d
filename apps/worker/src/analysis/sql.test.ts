import { ident, literal } from './sql';

describe('ident', () => {
  it('double-quotes a plain name', () => {
    expect(ident('price')).toBe('"price"');
  });

  it('doubles every double quote inside the name', () => {
    expect(ident('a"b""c')).toBe('"a""b""""c"');
  });

  it('keeps spaces, semicolons and single quotes inside the quotes', () => {
    expect(ident(`x"; DROP TABLE t; --'`)).toBe(`"x""; DROP TABLE t; --'"`);
  });

  it('quotes the empty name', () => {
    expect(ident('')).toBe('""');
  });

  it('refuses a name with a NUL character, which would cut the statement short', () => {
    expect(() => ident('a\u0000b')).toThrow(RangeError);
  });
});

describe('literal', () => {
  it('single-quotes a plain string', () => {
    expect(literal('/tmp/data.csv')).toBe("'/tmp/data.csv'");
  });

  it('doubles every single quote inside the string', () => {
    expect(literal("it's o''k")).toBe("'it''s o''''k'");
  });

  it('leaves double quotes, backslashes and line breaks as they are', () => {
    expect(literal('a"b\\c\nd')).toBe("'a\"b\\c\nd'");
  });
});
