import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { waitUntil } from '@offload/test-support';
import { blobFiles } from '../fixtures';
import { BOUNDARY, MULTIPART_TYPE, SMALL_PNG, expectRefused, multipart, startHostileApi, type HostileApi, type Part } from './hostile-api';

const CSV = 'city,temp\nOslo,4.5\n';
const png = SMALL_PNG;

/** Hostile multipart bodies, some written byte by byte on a raw connection (multipart-malformed.test.ts has the rest). */
describe('hostile multipart bodies', () => {
  let api: HostileApi;

  beforeAll(async () => {
    api = await startHostileApi();
  });

  afterEach(async () => {
    await api.aliveAndIntact();
  });

  afterAll(async () => {
    await api.close();
  });

  const send = (route: string, body: Buffer) => api.post(route).set('Content-Type', MULTIPART_TYPE).send(body);
  const rawPost = (route: string, body: Buffer) =>
    api.raw(`POST ${route} HTTP/1.1\r\nContent-Type: ${MULTIPART_TYPE}\r\nContent-Length: ${body.length}`, body);
  const imageForm = (...extra: Part[]): Part[] => [{ name: 'text', body: 'hi' }, { name: 'image', filename: 'a.png', contentType: 'image/png', body: png }, ...extra];

  /** Waits until `<dataDir>/blobs` holds what it held before (a refused request keeps nothing). */
  async function expectNothingKept(before: readonly string[]): Promise<void> {
    await waitUntil(async () => (await blobFiles(api.harness.dataDir)).join() === before.join(), { timeoutMs: 5_000, description: 'nothing to be kept' });
  }

  describe('a truncated boundary, on a raw connection', () => {
    it.each([
      ['the closing delimiter cut short', '/v1/uploads', Buffer.concat([multipart([{ name: 'file', filename: 'a.csv', body: CSV }], false), Buffer.from(`--${BOUNDARY.slice(0, 5)}`)])],
      ['the closing delimiter without its final dashes', '/v1/images', Buffer.concat([multipart(imageForm(), false), Buffer.from(`--${BOUNDARY}-`)])],
      ['the opening delimiter cut short', '/v1/datasets', Buffer.from(`--${BOUNDARY.slice(0, 7)}`)],
      ['a boundary cut inside the file bytes', '/v1/images', multipart(imageForm(), false).subarray(0, 200)],
    ])('answers 400 malformed_multipart and keeps nothing for %s', async (_what, route, body) => {
      const before = await blobFiles(api.harness.dataDir);
      expectRefused(await rawPost(route, body), 400, 'malformed_multipart');
      await expectNothingKept(before);
    });
  });

  describe('a part with no field name', () => {
    it.each([
      ['a file part with name=""', '/v1/uploads', [{ name: '', filename: 'a.png', body: png }]],
      ['a file part without a name parameter', '/v1/uploads', [{ disposition: 'form-data; filename="a.png"', body: png }]],
      ['a text part with name=""', '/v1/images', imageForm({ name: '', body: 'x' })],
      ['a text part without a name parameter', '/v1/datasets', [{ disposition: 'form-data', body: 'x' }, { name: 'file', filename: 'a.csv', body: CSV }]],
    ] as [string, string, Part[]][])('answers 400 malformed_multipart and keeps nothing for %s', async (_what, route, parts) => {
      const before = await blobFiles(api.harness.dataDir);
      const problem = expectRefused(await send(route, multipart(parts)), 400, 'malformed_multipart');
      expect(problem.detail).toMatch(/^the multipart body is malformed: field name missing/);
      await expectNothingKept(before);
    });
  });

  describe('a stream error mid-file (the client goes away inside the body)', () => {
    it('keeps nothing, frees the key’s upload slots and answers the next upload, after more aborts than a key has slots', async () => {
      const before = await blobFiles(api.harness.dataDir);
      const body = multipart(imageForm(), false);
      // Five, one more than the default uploads a key may have in progress.
      for (let i = 0; i < 5; i++) {
        const answer = await api.raw(
          `POST /v1/images HTTP/1.1\r\nContent-Type: ${MULTIPART_TYPE}\r\nContent-Length: ${1024 * 1024}`,
          Buffer.concat([body, Buffer.alloc(64 * 1024, 0x42)]),
          { destroyAfterWrite: true },
        );
        expect(answer.status).toBeUndefined();
      }
      await expectNothingKept(before);
      const res = await api.post('/v1/uploads').attach('file', png, 'after.png').expect(201);
      expect(res.body).toEqual(expect.objectContaining({ content_type: 'image/png' }));
    });
  });

  describe('1,000 parts, on a raw connection', () => {
    const texts = (name: (i: number) => string): Part[] => Array.from({ length: 1000 }, (_, i) => ({ name: name(i), body: 'x' }));

    it.each([
      ['1,000 text fields of different names on /v1/uploads', '/v1/uploads', [{ name: 'file', filename: 'a.csv', body: CSV }, ...texts((i) => `f${i}`)]],
      ['1,000 text fields of different names on /v1/images', '/v1/images', [...imageForm(), ...texts((i) => `f${i}`)]],
      ['1,000 text fields of one name on /v1/thumbnails', '/v1/thumbnails', [...texts(() => 'widths'), { name: 'image', filename: 'a.png', body: png }]],
      ['1,000 empty text fields on /v1/datasets', '/v1/datasets', [{ name: 'file', filename: 'a.csv', body: CSV }, ...Array.from({ length: 1000 }, () => ({ name: 'bins', body: '' }))]],
    ] as [string, string, Part[]][])('answers 413 payload_too_large and keeps nothing for %s', async (_what, route, parts) => {
      const before = await blobFiles(api.harness.dataDir);
      expectRefused(await rawPost(route, multipart(parts)), 413, 'payload_too_large');
      await expectNothingKept(before);
    });

    it('answers 422 naming the first unexpected file field when 1,000 file parts come', async () => {
      const before = await blobFiles(api.harness.dataDir);
      const parts = Array.from({ length: 1000 }, (_, i) => ({ name: `f${i}`, filename: `${i}.png`, body: png }));
      const problem = expectRefused(await rawPost('/v1/uploads', multipart(parts)), 422, 'validation_failed');
      expect(problem.errors).toEqual([{ path: 'f0', message: 'unexpected file field "f0"', code: 'limit_unexpected_file' }]);
      await expectNothingKept(before);
    });
  });

  it('answers 413 payload_too_large when a field name is 10 KB long', async () => {
    expectRefused(await send('/v1/images', multipart(imageForm({ name: 'n'.repeat(10 * 1024), body: 'x' }))), 413, 'payload_too_large');
  });

  describe('a field named __proto__', () => {
    it.each([
      ['a __proto__ text field on /v1/images', '/v1/images', imageForm({ name: '__proto__', body: '{"polluted":true}' }), '__proto__'],
      ['a __proto__[polluted] text field on /v1/images', '/v1/images', imageForm({ name: '__proto__[polluted]', body: 'yes' }), '__proto__'],
      ['a constructor[prototype][polluted] text field on /v1/images', '/v1/images', imageForm({ name: 'constructor[prototype][polluted]', body: 'yes' }), 'constructor'],
      ['a __proto__ text field on /v1/datasets', '/v1/datasets', [{ name: '__proto__', body: '{"polluted":true}' }, { name: 'file', filename: 'a.csv', body: CSV }], '__proto__'],
      ['a __proto__ text field on /v1/thumbnails', '/v1/thumbnails', [{ name: '__proto__', body: 'x' }, { name: 'widths', body: '16' }, { name: 'image', filename: 'a.png', body: png }], '__proto__'],
      ['a __proto__ file part on /v1/uploads', '/v1/uploads', [{ name: '__proto__', filename: 'a.png', body: png }], '__proto__'],
      ['a __proto__ file part on /v1/images', '/v1/images', imageForm({ name: '__proto__', filename: 'b.png', body: png }), '__proto__'],
    ] as [string, string, Part[], string][])('answers 422 naming it and keeps nothing for %s', async (_what, route, parts, path) => {
      const before = await blobFiles(api.harness.dataDir);
      const problem = expectRefused(await send(route, multipart(parts)), 422, 'validation_failed');
      expect((problem.errors ?? []).map((e) => e.path)).toEqual([path]);
      await expectNothingKept(before);
    });

    it('answers 201 to an upload with a __proto__ text field, which /v1/uploads does not read', async () => {
      const res = await send('/v1/uploads', multipart([{ name: '__proto__', body: '{"polluted":true}' }, { name: 'file', filename: 'a.png', body: png }])).expect(201);
      expect(res.body).toEqual({ key: expect.any(String), content_type: 'image/png', size: png.length });
    });
  });
});
