/**
 * Content type from the first bytes of a file, never from the client's header. Images by their
 * magic numbers (the worker's decoder is the real check); datasets as text by their first
 * non-blank character. Anything else is unsupported, markup included: an SVG, XML or HTML file is
 * text but no dataset (nor an image the worker decodes).
 */
export const SNIFF_BYTES = 4096;

export type ImageType = 'image/jpeg' | 'image/png' | 'image/gif' | 'image/webp' | 'image/avif' | 'image/heif' | 'image/tiff';
export type DatasetType = 'text/csv' | 'application/json';

export function sniffImage(head: Uint8Array): ImageType | undefined {
  const ascii = (from: number, to: number) => String.fromCharCode(...head.subarray(from, to));
  if (head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'image/jpeg';
  if (ascii(0, 8) === '\x89PNG\r\n\x1a\n') return 'image/png';
  if (ascii(0, 6) === 'GIF87a' || ascii(0, 6) === 'GIF89a') return 'image/gif';
  if (ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') return 'image/webp';
  if (ascii(4, 8) === 'ftyp') {
    const brand = ascii(8, 12);
    if (brand === 'avif' || brand === 'avis') return 'image/avif';
    if (['heic', 'heix', 'mif1', 'msf1'].includes(brand)) return 'image/heif';
  }
  if (ascii(0, 4) === 'II*\0' || ascii(0, 4) === 'MM\0*') return 'image/tiff';
  return undefined;
}

/** Control characters other than tab, line feed, form feed and carriage return: binary, not text. */
const BINARY_BYTE = /[\x00-\x08\x0b\x0e-\x1f\x7f]/;

export function sniffDataset(head: Uint8Array): DatasetType | undefined {
  if (head.length === 0 || BINARY_BYTE.test(String.fromCharCode(...head))) return undefined;
  let start = 0;
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) start = 3;
  const text = new TextDecoder('utf-8').decode(head.subarray(start, start + 256)).trimStart();
  if (text.startsWith('[') || text.startsWith('{')) return 'application/json';
  if (text.startsWith('<')) return undefined;
  return 'text/csv';
}

export function sniffContentType(head: Uint8Array): ImageType | DatasetType | undefined {
  return sniffImage(head) ?? sniffDataset(head);
}
