const MARKUP_ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
};

// Characters XML 1.0 forbids (C0 controls other than tab and newline, and DEL): Pango's markup
// parser rejects the whole string on them, and they have no glyph to draw anyway.
const FORBIDDEN_CONTROLS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g;

/**
 * Turns user text into Pango markup that draws exactly that text: sharp's text input parses
 * markup, so `<span font="200">` must arrive as the characters, not as a font change.
 */
export function escapeMarkup(text: string): string {
  return text.replace(FORBIDDEN_CONTROLS, '').replace(/[&<>"']/g, (char) => MARKUP_ENTITIES[char] ?? char);
}
