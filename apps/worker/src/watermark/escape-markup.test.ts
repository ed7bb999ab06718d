import { escapeMarkup } from './escape-markup';

describe('escapeMarkup', () => {
  it('escapes every markup character when the text looks like Pango markup', () => {
    expect(escapeMarkup(`<span font="200">A</span> & 'b'`)).toBe(
      '&lt;span font=&quot;200&quot;&gt;A&lt;/span&gt; &amp; &apos;b&apos;',
    );
  });

  it('escapes an ampersand that already looks like an entity when the text contains one', () => {
    expect(escapeMarkup('&amp;')).toBe('&amp;amp;');
  });

  it('drops control characters the markup parser rejects when the text contains them', () => {
    expect(escapeMarkup('a\u0000b\u0007c\u007f')).toBe('abc');
  });

  it('keeps tabs, newlines and non-ASCII text when the text contains them', () => {
    expect(escapeMarkup('a\tb\nc — é 日本')).toBe('a\tb\nc — é 日本');
  });
});
