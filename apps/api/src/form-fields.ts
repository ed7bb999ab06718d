/**
 * Multipart text fields arrive as strings. Turn the ones the schema wants as numbers or booleans
 * into those types when they clearly are; anything else is passed through unchanged so the
 * schema reports it with its own message.
 */
export function coerceFormFields(
  body: unknown,
  numberFields: readonly string[],
  booleanFields: readonly string[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (body === null || typeof body !== 'object') return out;
  for (const [name, raw] of Object.entries(body)) {
    let value: unknown = raw;
    if (typeof raw === 'string') {
      const trimmed = raw.trim();
      if (numberFields.includes(name) && trimmed !== '' && Number.isFinite(Number(trimmed))) value = Number(trimmed);
      else if (booleanFields.includes(name) && ['true', '1', 'on', 'yes'].includes(trimmed.toLowerCase())) value = true;
      else if (booleanFields.includes(name) && ['false', '0', 'off', 'no'].includes(trimmed.toLowerCase())) value = false;
    }
    out[name] = value;
  }
  return out;
}
