import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { outputKey } from '@offload/storage';
import { expectRefused, startHostileApi, type HostileApi } from './hostile-api';

const HEX = '0123456789abcdef'.repeat(2);
const TEN_KB = 10 * 1024;

/** Path segments an id or an output name may be replaced with, each never naming a task or a file. */
const NOT_FOUND_SEGMENTS: [string, string][] = [
  ['an encoded traversal', '..%2F..%2F..%2Fetc%2Fpasswd'],
  ['a traversal with encoded dots', '%2e%2e%2f%2e%2e%2fetc%2fpasswd'],
  ['a backslash traversal', '..%5C..%5Cwindows%5Cwin.ini'],
  ['an encoded NUL', '%00'],
  ['a uuid with an encoded NUL after it', `${randomUUID()}%00.json`],
  ['a uuid with an encoded line feed after it', `${randomUUID()}%0A`],
  ['a uuid in full-width digits', encodeURIComponent('１２３４５６７８-１２３４-１２３４-１２３４-１２３４５６７８９０１２')],
  ['a right-to-left override', `%E2%80%AE${randomUUID()}`],
  ['a double-encoded traversal', '%252e%252e%252fetc%252fpasswd'],
  ['10 KB of letters', 'a'.repeat(TEN_KB)],
  ['10 KB of encoded dots', '%2e'.repeat(TEN_KB / 3)],
];

/** Segments whose percent-escapes do not decode to UTF-8: the URL itself is malformed. */
const UNDECODABLE_SEGMENTS: [string, string][] = [
  ['an escape that is not hex', '%zz'],
  ['a lone percent sign', '%'],
  ['an overlong UTF-8 dot (%c0%ae)', '%c0%ae%c0%ae%2f'],
  ['a lone UTF-8 continuation byte', `${randomUUID()}%80`],
];

/** Task ids, output names, upload keys and cursors with traversal, encoding tricks and 10 KB lengths. */
describe('hostile identifiers', () => {
  let api: HostileApi;
  let finishedId: string;

  beforeAll(async () => {
    api = await startHostileApi();
    // A finished task with one named output, so the output route gets past its task.
    finishedId = randomUUID();
    const key = outputKey(finishedId, 'webp');
    await api.harness.storage.blobs.put(key, Buffer.from('RIFF....WEBP'));
    const at = new Date().toISOString();
    await api.harness.storage.records.create({
      id: finishedId,
      task_type: 'thumbnail',
      tenant: 'default',
      status: 'succeeded',
      attempts: 1,
      created_at: at,
      updated_at: at,
      finished_at: at,
      result: { output_key: key, content_type: 'application/json', outputs: [{ name: 'w16', output_key: key, content_type: 'image/webp', bytes: 12 }] },
    });
  });

  afterEach(async () => {
    await api.aliveAndIntact();
  });

  afterAll(async () => {
    await api.close();
  });

  describe('task ids in the path', () => {
    const routes = (segment: string) => [`/v1/tasks/${segment}`, `/v1/tasks/${segment}/result`, `/v1/tasks/${segment}/outputs/w16`, `/v1/tasks/${segment}/events`];

    it.each(NOT_FOUND_SEGMENTS)('answers 404 not_found to %s, with a short detail', async (_what, segment) => {
      for (const route of routes(segment)) {
        const problem = expectRefused(await api.get(route), 404, 'not_found');
        expect(problem.detail.length).toBeLessThan(200);
      }
    });

    it.each(UNDECODABLE_SEGMENTS)('answers 400 malformed_request to %s', async (_what, segment) => {
      for (const route of routes(segment)) {
        const problem = expectRefused(await api.get(route), 400, 'malformed_request');
        expect(problem.detail).toBe('the URL has a percent-escape that does not decode to UTF-8');
      }
    });

    it('answers 404 not_found to a literal ../ traversal, which names no route', async () => {
      // Sent as is: the client library does not normalise the dots away.
      const answer = await api.raw('GET /v1/tasks/../../../etc/passwd HTTP/1.1');
      expectRefused(answer, 404, 'not_found');
    });

    it('reads the same record whatever the case of the uuid', async () => {
      const lower = await api.get(`/v1/tasks/${finishedId}`).expect(200);
      const upper = await api.get(`/v1/tasks/${finishedId.toUpperCase()}`).expect(200);
      expect(upper.body).toEqual(lower.body);
    });
  });

  describe('output names in the path of a finished task', () => {
    it.each(NOT_FOUND_SEGMENTS)('answers 404 not_found naming the outputs there are to %s', async (_what, segment) => {
      const problem = expectRefused(await api.get(`/v1/tasks/${finishedId}/outputs/${segment}`), 404, 'not_found');
      expect(problem.detail).toMatch(/\(it has w16\)$/);
      expect(problem.detail.length).toBeLessThan(300);
    });

    it.each(UNDECODABLE_SEGMENTS)('answers 400 malformed_request to %s', async (_what, segment) => {
      expectRefused(await api.get(`/v1/tasks/${finishedId}/outputs/${segment}`), 400, 'malformed_request');
    });
  });

  describe('upload keys in a JSON task', () => {
    it.each([
      ['a key followed by a traversal', `up_${HEX}/../../etc/passwd`],
      ['a key with an encoded traversal', `up_${HEX}%2F..%2F..`],
      ['a traversal after the prefix', `up_../../../../etc/passwd${'0'.repeat(8)}`],
      ['a key with a NUL', `up_${HEX}\u0000`],
      ['a key with a line feed after it', `up_${HEX}\n`],
      ['a key in upper case', `UP_${HEX.toUpperCase()}`],
      ['a key in full-width digits', `up_${'０'.repeat(32)}`],
      ['a key with a right-to-left override', `up_\u202e${HEX.slice(1)}`],
      ['a 10 KB key', `up_${'a'.repeat(TEN_KB)}`],
      ['a 10 KB traversal', '../'.repeat(TEN_KB / 3)],
    ])('answers 422 naming the field for %s', async (_what, key) => {
      for (const [content, path] of [
        [{ image: key, watermark: { text: 'x' } }, 'content.image'],
        [{ image: api.imageKey, watermark: { logo: key } }, 'content.watermark.logo'],
      ] as const) {
        const problem = expectRefused(await api.post('/v1/tasks').send({ task_type: 'watermark', content }), 422, 'validation_failed');
        expect(problem.errors?.map((e) => e.path)).toEqual([path]);
      }
      const analysis = expectRefused(await api.post('/v1/tasks').send({ task_type: 'analysis', content: { dataset: key } }), 422, 'validation_failed');
      expect(analysis.errors?.map((e) => e.path)).toEqual(['content.dataset']);
      // The key is not echoed back: a 10 KB one would come back as 10 KB.
      expect(JSON.stringify(analysis).length).toBeLessThan(2_000);
    });

    it('answers 422 naming task_type when it is 10 KB long', async () => {
      const problem = expectRefused(await api.post('/v1/tasks').send({ task_type: 'w'.repeat(TEN_KB), content: {} }), 422, 'validation_failed');
      expect(problem.errors?.map((e) => e.path)).toEqual(['task_type']);
      expect(JSON.stringify(problem).length).toBeLessThan(2_000);
    });
  });

  describe('listing cursors', () => {
    it.each([
      ['a traversal', '../../../etc/passwd'],
      ['an encoded traversal', '..%2F..%2Fetc'],
      ['an escape that is not hex', '%zz'],
      ['an encoded NUL', '%00'],
      ['10 KB', 'c'.repeat(TEN_KB)],
      ['a __proto__ JSON', encodeURIComponent(Buffer.from('{"__proto__":{"polluted":true}}').toString('base64url'))],
    ])('answers 422 naming query.cursor to %s', async (_what, cursor) => {
      const problem = expectRefused(await api.get(`/v1/tasks?cursor=${cursor}`), 422, 'validation_failed');
      expect(problem.errors?.map((e) => e.path)).toEqual(['query.cursor']);
    });

    it('answers 422 naming each parameter when the query is __proto__ and status[__proto__]', async () => {
      const problem = expectRefused(await api.get('/v1/tasks?__proto__=1&status[__proto__]=failed'), 422, 'validation_failed');
      expect(problem.errors?.map((e) => e.path).sort()).toEqual(['query.__proto__', 'query.status[__proto__]']);
    });
  });
});
