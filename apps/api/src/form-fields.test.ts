import { describe, expect, it } from '@jest/globals';
import { z } from 'zod';
import { coerceFormFields, formFieldKinds, type FormFieldKind } from './form-fields';

const KINDS: Record<string, FormFieldKind> = { opacity: 'number', quality: 'number', tile: 'boolean', columns: 'text-list', widths: 'number-list' };

describe('formFieldKinds', () => {
  it('reads each field kind from its zod type, through optional and default', () => {
    const shape = z.strictObject({
      opacity: z.number().min(0).default(0.5),
      tile: z.boolean().default(false),
      widths: z.array(z.number().int()).min(1),
      columns: z.array(z.string()).optional(),
      position: z.enum(['top', 'left']).optional(),
      text: z.string(),
      rows: z.array(z.object({ a: z.number() })).optional(),
    }).shape;
    expect(formFieldKinds(shape)).toEqual({ opacity: 'number', tile: 'boolean', widths: 'number-list', columns: 'text-list', position: 'text', text: 'text', rows: 'text' });
  });
});

describe('coerceFormFields', () => {
  it('turns numeric text into numbers when the field is a number', () => {
    expect(coerceFormFields({ opacity: '0.3', quality: ' 80 ' }, KINDS)).toStrictEqual({ opacity: 0.3, quality: 80 });
  });

  it.each([
    ['true', true],
    ['1', true],
    ['on', true],
    ['YES', true],
    ['false', false],
    ['0', false],
    ['off', false],
    ['no', false],
  ])('turns %p into %p when the field is a boolean', (raw, value) => {
    expect(coerceFormFields({ tile: raw }, KINDS)).toStrictEqual({ tile: value });
  });

  it('leaves values it cannot read for the schema to report', () => {
    const body = { opacity: 'high', quality: '', tile: 'maybe' };
    expect(coerceFormFields(body, KINDS)).toStrictEqual(body);
  });

  it('leaves text fields as text, even when they look like numbers or booleans', () => {
    expect(coerceFormFields({ text: '42', position: 'true', colour: 'red' }, KINDS)).toStrictEqual({ text: '42', position: 'true', colour: 'red' });
  });

  it('splits a comma-separated list and keeps a repeated field as sent', () => {
    expect(coerceFormFields({ columns: ' a, b ,,c ' }, KINDS)).toStrictEqual({ columns: ['a', 'b', 'c'] });
    expect(coerceFormFields({ columns: ['a ', 'b'] }, KINDS)).toStrictEqual({ columns: ['a ', 'b'] });
  });

  it('reads a list of numbers, leaving what is not a number for the schema', () => {
    expect(coerceFormFields({ widths: '320, 640' }, KINDS)).toStrictEqual({ widths: [320, 640] });
    expect(coerceFormFields({ widths: ['320', 'wide'] }, KINDS)).toStrictEqual({ widths: [320, 'wide'] });
  });

  it('passes repeated scalar fields (arrays) through unchanged', () => {
    expect(coerceFormFields({ opacity: ['0.1', '0.2'] }, KINDS)).toStrictEqual({ opacity: ['0.1', '0.2'] });
  });

  it.each([undefined, null, 'text', 3])('returns an empty object when the body is %p', (body) => {
    expect(coerceFormFields(body, KINDS)).toStrictEqual({});
  });

  it('accepts the null-prototype object multer builds, and keeps a field named __proto__', () => {
    const body = Object.assign(Object.create(null) as Record<string, string>, { opacity: '1', tile: 'on' });
    Object.defineProperty(body, '__proto__', { value: 'x', enumerable: true });
    const out = coerceFormFields(body, KINDS);
    expect(Object.keys(out)).toEqual(['opacity', 'tile', '__proto__']);
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
  });

  it('does not modify its input', () => {
    const body = { opacity: '0.5' };
    coerceFormFields(body, KINDS);
    expect(body).toStrictEqual({ opacity: '0.5' });
  });
});
