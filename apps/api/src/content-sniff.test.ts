import { describe, expect, it } from '@jest/globals';
import sharp from 'sharp';
import { SNIFF_BYTES, sniffContentType, sniffDataset, sniffImage } from './content-sniff';

function encode(format: 'jpeg' | 'png' | 'gif' | 'webp' | 'avif' | 'tiff'): Promise<Buffer> {
  return sharp({ create: { width: 8, height: 8, channels: 3, background: '#336699' } })
    .toFormat(format)
    .toBuffer();
}

/** An ISO-BMFF `ftyp` box with the given major brand, as HEIF and AVIF files start. */
function ftyp(brand: string): Buffer {
  return Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from(`ftyp${brand}\0\0\0\0mif1miaf`, 'latin1')]);
}

describe('sniffImage', () => {
  it.each([
    ['jpeg', 'image/jpeg'],
    ['png', 'image/png'],
    ['gif', 'image/gif'],
    ['webp', 'image/webp'],
    ['avif', 'image/avif'],
    ['tiff', 'image/tiff'],
  ] as const)('recognises a %s file encoded by sharp as %s', async (format, type) => {
    const bytes = await encode(format);
    expect(sniffImage(bytes.subarray(0, SNIFF_BYTES))).toBe(type);
    expect(sniffContentType(bytes.subarray(0, SNIFF_BYTES))).toBe(type);
  });

  it.each([
    ['GIF87a', Buffer.from('GIF87a\x01\x00\x01\x00', 'latin1'), 'image/gif'],
    ['big-endian TIFF', Buffer.from([0x4d, 0x4d, 0x00, 0x2a, 0, 0, 0, 8]), 'image/tiff'],
    ['little-endian TIFF', Buffer.from([0x49, 0x49, 0x2a, 0x00, 8, 0, 0, 0]), 'image/tiff'],
    ['an AVIF image sequence', ftyp('avis'), 'image/avif'],
    ['HEIC', ftyp('heic'), 'image/heif'],
    ['HEIF (mif1)', ftyp('mif1'), 'image/heif'],
  ])('recognises %s by its magic bytes', (_name, bytes, type) => {
    expect(sniffImage(bytes)).toBe(type);
  });

  it.each([
    ['an empty buffer', Buffer.alloc(0)],
    ['a truncated JPEG marker', Buffer.from([0xff, 0xd8])],
    ['a RIFF file that is not WebP', Buffer.from('RIFF\0\0\0\0WAVEfmt ', 'latin1')],
    ['an MP4 ftyp box', ftyp('isom')],
    ['text', Buffer.from('hello, world')],
  ])('returns undefined for %s', (_name, bytes) => {
    expect(sniffImage(bytes)).toBeUndefined();
  });
});

describe('sniffDataset', () => {
  it.each([
    ['CSV', 'city,temp\nOslo,4.5\n', 'text/csv'],
    ['TSV', 'city\ttemp\r\nOslo\t4.5\r\n', 'text/csv'],
    ['a JSON array', '[{"a":1},{"a":2}]', 'application/json'],
    ['NDJSON', '{"a":1}\n{"a":2}\n', 'application/json'],
    ['JSON after blank lines', '\n\n  \t[1, 2]', 'application/json'],
    ['JSON after a UTF-8 byte order mark', '\ufeff[{"a":1}]', 'application/json'],
    ['CSV after a UTF-8 byte order mark', '\ufeffname\nÅse\n', 'text/csv'],
    ['non-ASCII UTF-8 text', 'navn,by\nÅse,Tromsø\n', 'text/csv'],
  ])('classifies %s', (_name, text, type) => {
    expect(sniffDataset(Buffer.from(text, 'utf8'))).toBe(type);
    expect(sniffContentType(Buffer.from(text, 'utf8'))).toBe(type);
  });

  it.each([
    ['an empty buffer', Buffer.alloc(0)],
    ['a NUL byte', Buffer.from('a,b\n1,\0\n', 'latin1')],
    ['an escape character', Buffer.from('a,b\x1b[31m\n', 'latin1')],
    ['bytes 0-255', Buffer.from(Array.from({ length: 256 }, (_, i) => i))],
  ])('returns undefined for binary: %s', (_name, bytes) => {
    expect(sniffDataset(bytes)).toBeUndefined();
    expect(sniffContentType(bytes)).toBeUndefined();
  });

  it.each([
    ['SVG', '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>'],
    ['SVG with an XML declaration', '<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>'],
    ['XML with a DOCTYPE after a byte order mark and blank lines', '\ufeff\n  <!DOCTYPE lolz [<!ENTITY lol "lol">]><lolz>&lol;</lolz>'],
    ['HTML', '<!doctype html><html><body>a,b</body></html>'],
  ])('returns undefined for markup, which is no dataset: %s', (_name, text) => {
    expect(sniffDataset(Buffer.from(text, 'utf8'))).toBeUndefined();
    expect(sniffContentType(Buffer.from(text, 'utf8'))).toBeUndefined();
  });

  it('judges a full-size head without throwing', () => {
    const head = Buffer.alloc(SNIFF_BYTES, 'a,b,c\n');
    expect(sniffDataset(head)).toBe('text/csv');
  });
});
