import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { waitUntil } from '@offload/test-support';
import { createApiHarness, type ApiHarness } from './harness';
import { blobFiles, expectProblem } from './fixtures';

const CSV = 'city,temp\nOslo,4.5\n';

/** A multipart body built by hand, so it can be wrong in exactly one way. */
function part(name: string, filename: string, content: string, boundary = 'XyZ'): string {
  return `--${boundary}\r\nContent-Disposition: form-data; name="${name}"; filename="${filename}"\r\nContent-Type: text/csv\r\n\r\n${content}\r\n`;
}

describe('malformed multipart bodies', () => {
  let harness: ApiHarness;
  const lines: string[] = [];

  beforeAll(async () => {
    harness = await createApiHarness({ logLines: lines });
  });

  afterAll(async () => {
    await harness.close();
  });

  const post = (route: string, contentType: string, body: string) => request(harness.app).post(route).set('Content-Type', contentType).send(body);

  /** Log lines at error level or above since `from`. */
  const errorLines = (from: number) => lines.slice(from).filter((line) => (JSON.parse(line) as { level: string }).level.match(/^(error|fatal)$/));

  it.each([
    ['/v1/uploads', 'a multipart Content-Type without a boundary', 'multipart/form-data', `${part('file', 'a.csv', CSV)}--XyZ--\r\n`],
    ['/v1/uploads', 'a boundary the body does not use', 'multipart/form-data; boundary=AbC', `${part('file', 'a.csv', CSV)}--XyZ--\r\n`],
    ['/v1/uploads', 'an unterminated body (no closing boundary)', 'multipart/form-data; boundary=XyZ', part('file', 'a.csv', CSV)],
    ['/v1/uploads', 'a body cut inside the part headers', 'multipart/form-data; boundary=XyZ', '--XyZ\r\nContent-Disposition: form-da'],
    ['/v1/images', 'a malformed body on the images route', 'multipart/form-data', part('image', 'a.jpg', 'x')],
    ['/v1/datasets', 'a malformed body on the datasets route', 'multipart/form-data; boundary=AbC', part('file', 'a.csv', CSV)],
  ])('answers 400 malformed_multipart on %s for %s, logged below error level', async (route, _what, contentType, body) => {
    const from = lines.length;
    const res = await post(route, contentType, body);
    const problem = expectProblem(res, 400, 'malformed_multipart');
    expect(problem.detail).toMatch(/^the multipart body is malformed/);
    expect(problem.detail).not.toMatch(/\/(node_modules|tmp|root|home)\//);
    expect(errorLines(from)).toEqual([]);
  });

  it.each([
    ['NUL', 'a\u0000b.csv'],
    ['CR', 'a\rb.csv'],
    ['LF', 'a\nb.csv'],
    ['an escaped CR LF (%0D%0A)', 'a%0D%0Ab.csv'],
  ])('answers 400 and keeps nothing when a file name contains %s', async (_what, filename) => {
    const before = await blobFiles(harness.dataDir);
    const from = lines.length;
    const res = await post('/v1/uploads', 'multipart/form-data; boundary=XyZ', `${part('file', filename, CSV)}--XyZ--\r\n`);
    expect(res.status).toBe(400);
    expect((res.body as { code: string }).code).toMatch(/^malformed_multipart$/);
    expect(errorLines(from)).toEqual([]);
    await waitUntil(async () => (await blobFiles(harness.dataDir)).join() === before.join(), { timeoutMs: 5_000, description: 'no upload to be kept' });
  });

  it('still accepts a well-formed body after all that', async () => {
    const res = await post('/v1/uploads', 'multipart/form-data; boundary=XyZ', `${part('file', 'a.csv', CSV)}--XyZ--\r\n`).expect(201);
    expect(res.body).toEqual(expect.objectContaining({ content_type: 'text/csv' }));
  });
});
