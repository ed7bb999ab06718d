import { gzipSync } from 'node:zlib';
import sharp from 'sharp';
import { notADataset } from './file-signature';

const text = (s: string) => Buffer.from(s, 'utf8');

function image(format: 'png' | 'jpeg' | 'webp' | 'gif' | 'tiff' | 'avif'): Promise<Buffer> {
  return sharp({ create: { width: 8, height: 6, channels: 3, background: '#c04020' } })
    .toFormat(format)
    .toBuffer();
}

/** A minimal Windows bitmap header (BITMAPFILEHEADER + the start of BITMAPINFOHEADER). */
function bmp(): Buffer {
  const header = Buffer.alloc(54);
  header.write('BM', 0, 'latin1');
  header.writeUInt32LE(54 + 4, 2);
  header.writeUInt32LE(54, 10);
  header.writeUInt32LE(40, 14);
  return Buffer.concat([header, Buffer.from([0, 0, 255, 0])]);
}

describe('notADataset', () => {
  it.each([
    ['png', 'an image (PNG)'],
    ['jpeg', 'an image (JPEG)'],
    ['webp', 'an image (WebP)'],
    ['gif', 'an image (GIF)'],
    ['tiff', 'an image (TIFF)'],
    ['avif', 'an image (AVIF)'],
  ] as const)('names %s bytes as an image', async (format, expected) => {
    expect(notADataset(await image(format))).toBe(expected);
  });

  it('names a BMP and an SVG as images', () => {
    expect(notADataset(bmp())).toBe('an image (BMP)');
    expect(notADataset(text('<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>'))).toBe('an image (SVG)');
    expect(notADataset(text('\ufeff<?xml version="1.0"?>\n<!-- logo -->\n<svg xmlns="http://www.w3.org/2000/svg"></svg>'))).toBe('an image (SVG)');
  });

  it('names other binary formats a dataset is often mistaken for', () => {
    expect(notADataset(text('%PDF-1.7\n%\u00e2\u00e3\n1 0 obj'))).toBe('a PDF document');
    expect(notADataset(Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(26)]))).toBe('a ZIP archive (an Excel or OpenDocument spreadsheet is one)');
    expect(notADataset(gzipSync(text('a,b\n1,2\n')))).toBe('gzip-compressed data');
    expect(notADataset(Buffer.concat([text('PAR1'), Buffer.from([0x15, 0x04, 0x15, 0x00])]))).toBe('a Parquet file');
    expect(notADataset(Buffer.concat([text('SQLite format 3'), Buffer.from([0])]))).toBe('an SQLite database');
  });

  it('names text with a NUL byte as binary data, and UTF-16 text as such', () => {
    expect(notADataset(Buffer.concat([text('a,b\n1,'), Buffer.from([0]), text('\n')]))).toBe('binary data');
    expect(notADataset(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('a,b\n', 'utf16le')]))).toBe('UTF-16 text (save it as UTF-8)');
  });

  it.each([
    ['CSV', 'a,b\n1,2\n'],
    ['CSV whose first field starts like a bitmap', 'BMI,weight\n22.5,70\n'],
    ['CSV whose header starts like a gzip or ZIP magic as text', 'PK,GIF\n1,2\n'],
    ['TSV', 'a\tb\n1\t2\n'],
    ['a JSON array', '[{"a":1}]'],
    ['NDJSON after a BOM', '\ufeff{"a":1}\n'],
    ['Latin-1 text', Buffer.from('name\ncaf\u00e9\n', 'latin1')],
    ['an empty file', ''],
    ['XML that is not SVG', '<?xml version="1.0"?><rows><row a="1"/></rows>'],
  ])('returns undefined for %s', (_name, content: string | Buffer) => {
    expect(notADataset(typeof content === 'string' ? text(content) : content)).toBeUndefined();
  });
});
