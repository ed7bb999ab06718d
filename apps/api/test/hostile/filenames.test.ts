import { readdir } from 'node:fs/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { waitUntil } from '@offload/test-support';
import { UPLOAD_KEY, blobFiles, testImage } from '../fixtures';
import { MULTIPART_TYPE, expectRefused, multipart, startHostileApi, type HostileApi, type Part } from './hostile-api';

const CSV = 'city,temp\nOslo,4.5\n';

/** Every multipart route, with a body whose one file part carries `filename`. */
function routes(png: Buffer): [string, (filename: string) => Part[]][] {
  return [
    ['/v1/uploads', (filename) => [{ name: 'file', filename, contentType: 'image/png', body: png }]],
    ['/v1/images', (filename) => [{ name: 'text', body: 'hi' }, { name: 'image', filename, contentType: 'image/png', body: png }]],
    ['/v1/thumbnails', (filename) => [{ name: 'widths', body: '16' }, { name: 'image', filename, contentType: 'image/png', body: png }]],
    ['/v1/datasets', (filename) => [{ name: 'file', filename, contentType: 'text/csv', body: CSV }]],
  ];
}

/**
 * File names with path tricks and control characters, on every multipart route (the NUL, CR and
 * LF cases on /v1/uploads are in multipart-malformed.test.ts). A file name is never used: the
 * server names every upload itself.
 */
describe('hostile file names', () => {
  let api: HostileApi;
  let ROUTES: ReturnType<typeof routes>;

  beforeAll(async () => {
    api = await startHostileApi();
    // Wide enough for a watermark's default size (a quarter of the width) to be a pixel.
    ROUTES = routes(await testImage('png', 32, 24));
  });

  afterEach(async () => {
    await api.aliveAndIntact();
  });

  afterAll(async () => {
    await api.close();
  });

  const send = (route: string, parts: Part[]) => api.post(route).set('Content-Type', MULTIPART_TYPE).send(multipart(parts));

  /** DATA_DIR holds the database and blobs/, and blobs/ only server-made names. */
  async function expectOnlyServerNames(): Promise<void> {
    expect((await readdir(api.harness.dataDir)).filter((f) => !f.startsWith('offload.db')).sort()).toEqual(['blobs']);
    for (const file of await blobFiles(api.harness.dataDir)) expect(file).toMatch(/^(up_[0-9a-f]{32}|out_[0-9a-f-]{36}\.\w+)$/);
  }

  it.each([
    ['../', '../../../x.png'],
    ['..\\', '..\\..\\..\\x.png'],
    ['an absolute path', '/etc/passwd'],
    ['a drive path', 'C:\\Windows\\System32\\x.png'],
    ['an encoded traversal', '..%2F..%2Fx.png'],
    ['a right-to-left override', 'photo\u202egnp.exe'],
    ['a left-to-right and a pop directional mark', '\u202dphoto\u202c.png'],
    ['a zero-width joiner and a byte order mark', 'pho\u200dto\ufeff.png'],
    ['a full-width solidus', '..\uff0f..\uff0fx.png'],
    ['a shell substitution', '$(touch hacked).png'],
    ['10 KB of name', `${'n'.repeat(10 * 1024)}.png`],
  ])('accepts the file under a server key on every route, and writes nothing under its name, when it has %s', async (_what, filename) => {
    for (const [route, parts] of ROUTES) {
      const res = await send(route, parts(filename));
      expect({ route, status: res.status }).toEqual({ route, status: route === '/v1/uploads' ? 201 : 202 });
      if (route === '/v1/uploads') expect((res.body as { key: string }).key).toMatch(UPLOAD_KEY);
      const answer = JSON.stringify(res.body);
      const record = route === '/v1/uploads' ? '' : JSON.stringify((await api.get(`/v1/tasks/${(res.body as { id: string }).id}`).expect(200)).body);
      for (const text of [answer, record]) expect(text).not.toContain(filename.slice(0, 12));
    }
    await expectOnlyServerNames();
  });

  it('accepts an RFC 5987 filename* with an encoded traversal under a server key', async () => {
    for (const [route, parts] of ROUTES) {
      const withStar = parts('x').map((p) => (p.filename === undefined ? p : { ...p, disposition: `form-data; name="${p.name ?? ''}"; filename*=UTF-8''..%2F..%2F..%2Fx.png` }));
      expect({ route, status: (await send(route, withStar)).status }).toEqual({ route, status: route === '/v1/uploads' ? 201 : 202 });
    }
    await expectOnlyServerNames();
  });

  it.each([
    ['NUL', 'a\u0000b.png'],
    ['CR', 'a\rb.png'],
    ['LF', 'a\nb.png'],
    ['ESC', 'a\u001b[31mb.png'],
    ['DEL', 'a\u007fb.png'],
  ])('answers 400 malformed_multipart and keeps nothing on the task routes when the name has %s', async (_what, filename) => {
    const before = await blobFiles(api.harness.dataDir);
    for (const [route, parts] of ROUTES.slice(1)) {
      const problem = expectRefused(await send(route, parts(filename)), 400, 'malformed_multipart');
      // busboy refuses some in the part header, the file filter the rest.
      expect(problem.detail).toMatch(/^the multipart body is malformed: malformed part header$|contains a control character/i);
    }
    await waitUntil(async () => (await blobFiles(api.harness.dataDir)).join() === before.join(), { timeoutMs: 5_000, description: 'nothing to be kept' });
  });

  it('answers 422 naming the file field, and keeps nothing, when a CR LF in the name tries to add a header', async () => {
    // The line break ends the Content-Disposition with its quote open: busboy skips a part whose
    // disposition does not parse, so the form has no file under that name.
    const before = await blobFiles(api.harness.dataDir);
    for (const [route, parts, field] of ROUTES.slice(1).map(([r, p]) => [r, p, r === '/v1/datasets' ? 'file' : 'image'] as const)) {
      const problem = expectRefused(await send(route, parts('a.png\r\nContent-Type: text/html')), 422, 'validation_failed');
      expect(problem.errors?.map((e) => e.path)).toEqual([field]);
    }
    expect(await blobFiles(api.harness.dataDir)).toEqual(before);
  });
});
