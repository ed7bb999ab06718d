/** Bytes of the head searched for a NUL byte, as git does to tell binary from text. */
const BINARY_PROBE_BYTES = 8000;

interface Signature {
  /** What the file is, as a sentence part: "an image (PNG)". */
  what: string;
  matches(head: Buffer): boolean;
}

const startsWith = (bytes: readonly number[]) => (head: Buffer) => bytes.every((byte, i) => head[i] === byte);
const ascii = (text: string, at = 0) => (head: Buffer) => head.subarray(at, at + text.length).toString('latin1') === text;

/** ISO base media files (AVIF, HEIC): a box `ftyp` at byte 4, then its major brand. */
function ftyp(brands: readonly string[]) {
  return (head: Buffer) => ascii('ftyp', 4)(head) && brands.includes(head.subarray(8, 12).toString('latin1'));
}

/** A text file whose first element, after a BOM, an XML declaration and comments, is <svg>. */
function svg(head: Buffer): boolean {
  const start = head.subarray(0, 4096).toString('utf8').replace(/^\ufeff/, '');
  return /^\s*(<\?xml[^>]*>\s*)?(<!--[\s\S]*?-->\s*|<!DOCTYPE[^>]*>\s*)*<svg[\s>]/i.test(start);
}

// Magic numbers: https://en.wikipedia.org/wiki/List_of_file_signatures and each format's spec.
const SIGNATURES: readonly Signature[] = [
  { what: 'an image (PNG)', matches: startsWith([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]) },
  { what: 'an image (JPEG)', matches: startsWith([0xff, 0xd8, 0xff]) },
  { what: 'an image (GIF)', matches: (head) => ascii('GIF87a')(head) || ascii('GIF89a')(head) },
  { what: 'an image (WebP)', matches: (head) => ascii('RIFF')(head) && ascii('WEBP', 8)(head) },
  { what: 'an image (TIFF)', matches: (head) => startsWith([0x49, 0x49, 0x2a, 0x00])(head) || startsWith([0x4d, 0x4d, 0x00, 0x2a])(head) },
  // "BM" alone could start a CSV header: a bitmap's four reserved bytes after its size are zero.
  { what: 'an image (BMP)', matches: (head) => ascii('BM')(head) && head.length >= 14 && head.readUInt32LE(6) === 0 },
  { what: 'an image (AVIF)', matches: ftyp(['avif', 'avis']) },
  { what: 'an image (HEIC)', matches: ftyp(['heic', 'heix', 'heim', 'heis', 'mif1', 'msf1']) },
  { what: 'an image (SVG)', matches: svg },
  { what: 'a PDF document', matches: ascii('%PDF-') },
  { what: 'a ZIP archive (an Excel or OpenDocument spreadsheet is one)', matches: (head) => startsWith([0x50, 0x4b, 0x03, 0x04])(head) || startsWith([0x50, 0x4b, 0x05, 0x06])(head) },
  { what: 'gzip-compressed data', matches: startsWith([0x1f, 0x8b]) },
  { what: 'zstd-compressed data', matches: startsWith([0x28, 0xb5, 0x2f, 0xfd]) },
  { what: 'a Parquet file', matches: ascii('PAR1') },
  { what: 'an SQLite database', matches: ascii('SQLite format 3\u0000') },
  { what: 'UTF-16 text (save it as UTF-8)', matches: (head) => startsWith([0xff, 0xfe])(head) || startsWith([0xfe, 0xff])(head) },
];

/**
 * What the file is when its first bytes show it is not a dataset (an image, a PDF, an archive, or
 * binary data: a NUL byte early on), else undefined. Checked before the engine reads it, so such
 * a file fails with a sentence a user understands instead of a parser error or a profile of
 * garbage (a JPEG reads as a ragged one-column CSV).
 */
export function notADataset(head: Buffer): string | undefined {
  const known = SIGNATURES.find((signature) => signature.matches(head));
  if (known !== undefined) return known.what;
  return head.subarray(0, BINARY_PROBE_BYTES).includes(0) ? 'binary data' : undefined;
}
