import { describe, expect, it } from '@jest/globals';
import { coerceFormFields } from './form-fields';

const NUMBERS = ['opacity', 'quality'];
const BOOLEANS = ['tile'];

describe('coerceFormFields', () => {
  it('turns numeric strings of number fields into numbers', () => {
    expect(coerceFormFields({ opacity: '0.3', quality: ' 80 ' }, NUMBERS, BOOLEANS)).toStrictEqual({ opacity: 0.3, quality: 80 });
  });

  it.each([
    ['true', true],
    ['TRUE', true],
    ['1', true],
    ['on', true],
    ['yes', true],
    ['false', false],
    ['False', false],
    ['0', false],
    ['off', false],
    ['no', false],
  ])('turns %s in a boolean field into %s', (raw, value) => {
    expect(coerceFormFields({ tile: raw }, NUMBERS, BOOLEANS)).toStrictEqual({ tile: value });
  });

  it.each([
    ['a word in a number field', { opacity: 'half' }],
    ['an empty number field', { opacity: '' }],
    ['a blank number field', { opacity: '   ' }],
    ['Infinity in a number field', { quality: 'Infinity' }],
    ['an undecided boolean', { tile: 'maybe' }],
    ['an empty boolean', { tile: '' }],
  ])('passes %s through unchanged so the schema reports it', (_name, body) => {
    expect(coerceFormFields(body, NUMBERS, BOOLEANS)).toStrictEqual(body);
  });

  it('leaves fields that are neither numbers nor booleans as strings', () => {
    expect(coerceFormFields({ text: '42', position: 'true', colour: 'red' }, NUMBERS, BOOLEANS)).toStrictEqual({
      text: '42',
      position: 'true',
      colour: 'red',
    });
  });

  it('passes repeated fields (arrays) through unchanged', () => {
    expect(coerceFormFields({ opacity: ['0.1', '0.2'] }, NUMBERS, BOOLEANS)).toStrictEqual({ opacity: ['0.1', '0.2'] });
  });

  it.each([undefined, null, 'text', 3])('returns an empty object when the body is %p', (body) => {
    expect(coerceFormFields(body, NUMBERS, BOOLEANS)).toStrictEqual({});
  });

  it('accepts the null-prototype object multer builds', () => {
    const body = Object.assign(Object.create(null) as Record<string, string>, { opacity: '1', tile: 'on' });
    expect(coerceFormFields(body, NUMBERS, BOOLEANS)).toStrictEqual({ opacity: 1, tile: true });
  });

  it('does not modify its input', () => {
    const body = { opacity: '0.5' };
    coerceFormFields(body, NUMBERS, BOOLEANS);
    expect(body).toStrictEqual({ opacity: '0.5' });
  });
});
