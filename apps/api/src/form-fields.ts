import type { z } from 'zod';

/** How a multipart text field is read: by the type its schema gives the field. */
export type FormFieldKind = 'number' | 'boolean' | 'number-list' | 'text-list' | 'text';

const TRUE = ['true', '1', 'on', 'yes'];
const FALSE = ['false', '0', 'off', 'no'];
/** Wrappers that do not change what a field holds. */
const WRAPPERS = new Set(['optional', 'default', 'nullable', 'readonly', 'prefault']);

function baseType(schema: z.ZodType): z.ZodType {
  let current = schema;
  while (WRAPPERS.has(current._zod.def.type)) {
    const inner: unknown = Reflect.get(current._zod.def, 'innerType');
    if (inner === undefined) break;
    current = inner as z.ZodType;
  }
  return current;
}

/** The kind of each field of an object schema, from its zod types. */
export function formFieldKinds(shape: Readonly<Record<string, z.ZodType>>): Record<string, FormFieldKind> {
  return Object.fromEntries(
    Object.entries(shape).map(([name, field]): [string, FormFieldKind] => {
      const base = baseType(field);
      const type = base._zod.def.type;
      if (type === 'number' || type === 'boolean') return [name, type];
      if (type === 'array') {
        const element: unknown = Reflect.get(base._zod.def, 'element');
        const elementType = element === undefined ? undefined : baseType(element as z.ZodType)._zod.def.type;
        // A list of objects (inline rows) cannot come as a text field: leave it to the schema.
        return [name, elementType === 'number' ? 'number-list' : elementType === 'string' ? 'text-list' : 'text'];
      }
      return [name, 'text'];
    }),
  );
}

/** `"a, b"` → `['a', 'b']`; a repeated field (already an array) is kept as sent. */
function list(value: unknown): unknown {
  return typeof value === 'string' ? value.split(',').map((item) => item.trim()).filter((item) => item !== '') : value;
}

function number(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const trimmed = value.trim();
  return trimmed !== '' && Number.isFinite(Number(trimmed)) ? Number(trimmed) : value;
}

function boolean(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const word = value.trim().toLowerCase();
  return TRUE.includes(word) ? true : FALSE.includes(word) ? false : value;
}

/**
 * Multipart text fields arrive as strings. Turn the ones the schema wants as numbers, booleans or
 * lists into those when they clearly are; anything else is passed through unchanged so the schema
 * reports it with its own message. A repeated scalar field stays an array (the schema refuses it).
 */
export function coerceFormFields(body: unknown, kinds: Readonly<Record<string, FormFieldKind>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (body === null || typeof body !== 'object') return out;
  for (const [name, raw] of Object.entries(body)) {
    const kind = Object.hasOwn(kinds, name) ? kinds[name] : 'text';
    let value: unknown = raw;
    if (kind === 'number') value = number(raw);
    else if (kind === 'boolean') value = boolean(raw);
    else if (kind === 'text-list') value = list(raw);
    else if (kind === 'number-list') {
      const items = list(raw);
      value = Array.isArray(items) ? items.map(number) : items;
    }
    // Defined, not assigned: a field named __proto__ is a field like any other.
    Object.defineProperty(out, name, { value, enumerable: true, writable: true, configurable: true });
  }
  return out;
}
