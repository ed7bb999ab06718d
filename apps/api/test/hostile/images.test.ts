import { crc32, deflateSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { blobFiles, testImage } from '../fixtures';
import { MULTIPART_TYPE, expectRefused, multipart, startHostileApi, type HostileApi, type Part } from './hostile-api';

/** One PNG chunk: length, type, data, CRC of type and data. */
function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** A PNG whose header declares `width` × `height` RGB pixels, with one compressed row of data: a few hundred bytes. */
function pngBomb(width: number, height: number): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8);
  const row = deflateSync(Buffer.alloc(1 + width * 3));
  return Buffer.concat([Buffer.from('\x89PNG\r\n\x1a\n', 'latin1'), pngChunk('IHDR', header), pngChunk('IDAT', row), pngChunk('IEND', Buffer.alloc(0))]);
}

/** A looping GIF of a `size` × `size` screen with `frames` frames of one pixel each. */
function manyFrameGif(frames: number, size = 64): Buffer {
  const screen = Buffer.from([size & 0xff, size >> 8, size & 0xff, size >> 8, 0x80, 0, 0]);
  const palette = Buffer.from([0, 0, 0, 255, 255, 255]);
  const loop = Buffer.concat([Buffer.from([0x21, 0xff, 0x0b]), Buffer.from('NETSCAPE2.0', 'latin1'), Buffer.from([3, 1, 0, 0, 0])]);
  const frame = Buffer.from([0x21, 0xf9, 4, 0, 2, 0, 0, 0, 0x2c, 0, 0, 0, 0, 1, 0, 1, 0, 0, 2, 2, 0x44, 1, 0]);
  return Buffer.concat([Buffer.from('GIF89a', 'latin1'), screen, palette, loop, ...Array.from({ length: frames }, () => frame), Buffer.from([0x3b])]);
}

const SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><script>alert(1)</script><rect width="64" height="64"/></svg>';
const MARKUP: [string, string][] = [
  ['an SVG', SVG],
  ['an SVG after an XML declaration', `<?xml version="1.0" encoding="UTF-8"?>\n${SVG}`],
  ['an SVG after a byte order mark and blank lines', `\ufeff\n\n  ${SVG}`],
  ['XML with an external entity', '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><r>&xxe;</r>'],
  ['XML with nested entities (billion laughs)', `<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">${Array.from({ length: 9 }, (_, i) => `<!ENTITY ${String.fromCharCode(98 + i)} "${`&${String.fromCharCode(97 + i)};`.repeat(10)}">`).join('')}]><l>&j;</l>`],
  ['HTML', '<!doctype html><html><body><img src=x onerror=alert(1)></body></html>'],
];

/** Images that lie about their size, animations with very many frames, markup, and files that contradict their name and type. */
describe('hostile images and files', () => {
  let api: HostileApi;
  let jpeg: Buffer;

  beforeAll(async () => {
    api = await startHostileApi({ uploadMaxBytes: 1024 * 1024 });
    jpeg = await testImage('jpeg', 64, 48);
  });

  afterEach(async () => {
    await api.aliveAndIntact();
  });

  afterAll(async () => {
    await api.close();
  });

  const send = (route: string, parts: Part[]) => api.post(route).set('Content-Type', MULTIPART_TYPE).send(multipart(parts));
  const upload = (body: Buffer | string, filename: string, contentType: string) => send('/v1/uploads', [{ name: 'file', filename, contentType, body }]);
  /** Submits a task over every route that takes an image, by form and by key; each must be accepted. */
  async function expectAcceptedEverywhere(image: Buffer, contentType: string): Promise<void> {
    const stored = await upload(image, 'image', contentType);
    expect({ status: stored.status, body: stored.body }).toEqual({ status: 201, body: { key: expect.any(String), content_type: contentType, size: image.length } });
    const key = (stored.body as { key: string }).key;
    const answers = [
      await send('/v1/images', [{ name: 'text', body: 'hi' }, { name: 'image', filename: 'i', body: image }]),
      await send('/v1/thumbnails', [{ name: 'widths', body: '16,32' }, { name: 'image', filename: 'i', body: image }]),
      await api.post('/v1/tasks').send({ task_type: 'watermark', content: { image: key, watermark: { text: 'hi', tile: true } } }),
      await api.post('/v1/tasks').send({ task_type: 'thumbnail', content: { image: key, widths: [16] } }),
    ];
    for (const res of answers) expect({ status: res.status, body: res.body }).toEqual({ status: 202, body: expect.objectContaining({ status: 'queued' }) });
  }

  describe('a PNG that declares 50,000 × 50,000 pixels in a few hundred bytes', () => {
    it('is stored and its tasks accepted without the API decoding it (the worker refuses it as image_too_large)', async () => {
      const bomb = pngBomb(50_000, 50_000);
      expect(bomb.length).toBeLessThan(1_000);
      await expectAcceptedEverywhere(bomb, 'image/png');
    });

    it('answers 422 naming widths when a thumbnail is wider than the width it declares', async () => {
      const res = await send('/v1/thumbnails', [{ name: 'widths', body: '16' }, { name: 'image', filename: 'i', body: pngBomb(8, 50_000) }]);
      expect(expectRefused(res, 422, 'validation_failed').errors?.map((e) => e.path)).toEqual(['widths.0']);
    });
  });

  describe('a GIF of 10,000 frames', () => {
    it('is stored and its tasks accepted (frames are the worker’s to count)', async () => {
      const gif = manyFrameGif(10_000);
      expect(gif.length).toBeLessThan(256 * 1024);
      await expectAcceptedEverywhere(gif, 'image/gif');
    });
  });

  describe('SVG, XML and HTML', () => {
    it.each(MARKUP)('answers 415 and keeps nothing when %s comes on any route, whatever its name and type', async (_what, text) => {
      const before = await blobFiles(api.harness.dataDir);
      const answers = [
        await upload(text, 'a.svg', 'image/svg+xml'),
        await upload(text, 'a.csv', 'text/csv'),
        await send('/v1/images', [{ name: 'text', body: 'hi' }, { name: 'image', filename: 'a.png', contentType: 'image/png', body: text }]),
        await send('/v1/images', [{ name: 'image', filename: 'a.jpg', body: jpeg }, { name: 'logo', filename: 'logo.svg', contentType: 'image/svg+xml', body: text }]),
        await send('/v1/thumbnails', [{ name: 'widths', body: '16' }, { name: 'image', filename: 'a.svg', contentType: 'image/svg+xml', body: text }]),
        await send('/v1/datasets', [{ name: 'file', filename: 'a.xml', contentType: 'application/xml', body: text }]),
      ];
      for (const res of answers) expectRefused(res, 415, 'unsupported_media_type');
      expect(await blobFiles(api.harness.dataDir)).toEqual(before);
    });
  });

  describe('a file whose bytes contradict its name and content type', () => {
    it('stores a CSV named photo.png as image/png under the type its bytes have', async () => {
      const res = await upload('a,b\n1,2\n', 'photo.png', 'image/png');
      expect({ status: res.status, type: (res.body as { content_type: string }).content_type }).toEqual({ status: 201, type: 'text/csv' });
    });

    it('stores a GIF that continues as a script under image/gif, never as text', async () => {
      const polyglot = Buffer.concat([manyFrameGif(1), Buffer.from('/*<script>alert(1)</script>*/', 'latin1')]);
      const res = await upload(polyglot, 'a.html', 'text/html').expect(201);
      expect((res.body as { content_type: string }).content_type).toBe('image/gif');
    });

    it('answers 415 to a GIF named data.csv as text/csv on /v1/datasets, and a JSON array named photo.jpg as image/jpeg on /v1/images', async () => {
      const before = await blobFiles(api.harness.dataDir);
      expectRefused(await send('/v1/datasets', [{ name: 'file', filename: 'data.csv', contentType: 'text/csv', body: manyFrameGif(1) }]), 415, 'unsupported_media_type');
      expectRefused(
        await send('/v1/images', [{ name: 'text', body: 'hi' }, { name: 'image', filename: 'photo.jpg', contentType: 'image/jpeg', body: '[{"a":1}]' }]),
        415,
        'unsupported_media_type',
      );
      expect(await blobFiles(api.harness.dataDir)).toEqual(before);
    });

    it('answers 415 to a PNG whose signature is one byte off, named and typed as a PNG', async () => {
      const png = await testImage('png');
      const off = Buffer.concat([Buffer.from([0x88]), png.subarray(1)]);
      expectRefused(await upload(off, 'photo.png', 'image/png'), 415, 'unsupported_media_type');
    });

    it('answers 422 wrong_upload_type when a JSON task names a PNG named and typed as CSV as its dataset', async () => {
      const stored = await upload(await testImage('png'), 'data.csv', 'text/csv').expect(201);
      const res = await api.post('/v1/tasks').send({ task_type: 'analysis', content: { dataset: (stored.body as { key: string }).key } });
      expect(expectRefused(res, 422, 'validation_failed').errors).toEqual([{ path: 'content.dataset', message: expect.any(String), code: 'wrong_upload_type' }]);
    });
  });
});
