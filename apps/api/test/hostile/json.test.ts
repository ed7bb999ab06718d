import { gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { expectRefused, startHostileApi, type HostileApi } from './hostile-api';

/** The production default of JSON_BODY_MAX_BYTES: deep nesting up to what it lets in. */
const JSON_BODY_MAX_BYTES = 1024 * 1024;

const ROWS = '{"rows":[{"a":1}]}';

/** Hostile JSON bodies on POST /v1/tasks (tasks-validation.test.ts has the plain mistakes). */
describe('hostile JSON on POST /v1/tasks', () => {
  let api: HostileApi;

  beforeAll(async () => {
    api = await startHostileApi({ jsonBodyMaxBytes: JSON_BODY_MAX_BYTES });
  });

  afterEach(async () => {
    await api.aliveAndIntact();
  });

  afterAll(async () => {
    await api.close();
  });

  const postText = (body: string, headers: Record<string, string> = {}) => api.post('/v1/tasks').set({ 'Content-Type': 'application/json', ...headers }).send(body);
  /** Bytes exactly as given (superagent would serialise a Buffer sent as JSON). */
  const postBytes = (body: Buffer, headers: Record<string, string>) =>
    api.raw(
      ['POST /v1/tasks HTTP/1.1', 'Content-Type: application/json', `Content-Length: ${body.length}`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)].join('\r\n'),
      body,
    );
  const paths = (body: { errors?: { path: string }[] }) => (body.errors ?? []).map((e) => e.path).sort();

  describe('prototype keys', () => {
    it.each([
      ['__proto__ at the top', `{"task_type":"analysis","content":${ROWS},"__proto__":{"polluted":true}}`, ['__proto__']],
      ['__proto__ in content', `{"task_type":"analysis","content":{"rows":[{"a":1}],"__proto__":{"polluted":true}}}`, ['content.__proto__']],
      ['__proto__ in the watermark options', `{"task_type":"watermark","content":{"image":"up_${'0'.repeat(32)}","watermark":{"text":"x","__proto__":{"polluted":true}}}}`, ['content.watermark.__proto__']],
      ['constructor.prototype at the top', `{"task_type":"analysis","content":${ROWS},"constructor":{"prototype":{"polluted":true}}}`, ['constructor']],
      ['constructor.prototype in content', `{"task_type":"analysis","content":{"rows":[{"a":1}],"constructor":{"prototype":{"polluted":true}}}}`, ['content.constructor']],
      ['__proto__ twice, once as the task type', `{"__proto__":{"task_type":"analysis"},"__proto__":[],"content":${ROWS}}`, ['task_type']],
    ])('answers 422 naming the key for %s', async (_what, body, expected) => {
      expect(paths(expectRefused(await postText(body), 422, 'validation_failed'))).toEqual(expected);
    });

    it.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'prototype'])('answers 422 naming task_type when it is %s', async (taskType) => {
      const res = await postText(JSON.stringify({ task_type: taskType, content: {} }));
      expect(paths(expectRefused(res, 422, 'validation_failed'))).toEqual(['task_type']);
    });

    it('answers 202 to inline rows with __proto__ and constructor columns, which are data', async () => {
      const res = await postText(`{"task_type":"analysis","content":{"rows":[{"__proto__":1,"constructor":2,"a":3}]}}`).expect(202);
      expect(res.body).toEqual(expect.objectContaining({ task_type: 'analysis', status: 'queued' }));
    });
  });

  describe('JSON that is valid but not an object', () => {
    it.each([
      ['null', 'null', 'null'],
      ['a string', '"analysis"', 'string'],
      ['a number', '42', 'number'],
      ['true', 'true', 'boolean'],
      ['a string after white space', ' \n "x"', 'string'],
    ])('answers 422 at the top level for %s', async (_what, body, received) => {
      const problem = expectRefused(await postText(body), 422, 'validation_failed');
      expect(problem.errors).toEqual([{ path: '', message: `Invalid input: expected object, received ${received}`, code: 'invalid_type' }]);
    });
  });

  describe('deep nesting', () => {
    const depth = (n: number, open: string, close: string, inner = '1') => `${open.repeat(n)}${inner}${close.repeat(n)}`;

    it.each([
      ['a 100,000-deep array as the body', depth(100_000, '[', ']'), ['']],
      ['a 100,000-deep array in a row cell', `{"task_type":"analysis","content":{"rows":[{"a":${depth(100_000, '[', ']')}}]}}`, ['content.rows.0.a']],
      ['a 50,000-deep object as content', `{"task_type":"analysis","content":${depth(50_000, '{"a":', '}')}}`, ['content.a', 'content.dataset']],
      ['a 50,000-deep object as the watermark', `{"task_type":"watermark","content":{"image":"up_${'0'.repeat(32)}","watermark":${depth(50_000, '{"w":', '}')}}}`, ['content.watermark.text', 'content.watermark.w']],
    ])('answers 422 for %s', async (_what, body, expected) => {
      expect(body.length).toBeLessThanOrEqual(JSON_BODY_MAX_BYTES);
      expect(paths(expectRefused(await postText(body), 422, 'validation_failed'))).toEqual(expected);
    });

    it('answers 413 to nesting deeper than the body limit lets in', async () => {
      expectRefused(await postText(depth(JSON_BODY_MAX_BYTES, '[', ']')), 413, 'payload_too_large');
    });

    it('answers 400 malformed_json to a deep array that never closes', async () => {
      expectRefused(await postText('['.repeat(200_000)), 400, 'malformed_json');
    });
  });

  describe('content encodings', () => {
    it('answers 400 malformed_request to a body that is not the gzip it claims', async () => {
      const problem = expectRefused(await postText('{"task_type":"analysis"}', { 'Content-Encoding': 'gzip' }), 400, 'malformed_request');
      expect(problem.detail).toBe('the body does not decompress under its Content-Encoding');
    });

    it('answers 400 malformed_request to a gzip body cut short', async () => {
      const zipped = gzipSync(Buffer.from(`{"task_type":"analysis","content":${ROWS}}`));
      expectRefused(await postBytes(zipped.subarray(0, zipped.length - 6), { 'Content-Encoding': 'gzip' }), 400, 'malformed_request');
    });

    it('answers 413 to a gzip bomb (a small body that inflates past the limit)', async () => {
      const bomb = gzipSync(Buffer.concat([Buffer.from('{"task_type":"analysis","content":{"rows":[{"a":"'), Buffer.alloc(64 * 1024 * 1024, 0x61), Buffer.from('"}]}}')]));
      expect(bomb.length).toBeLessThan(128 * 1024);
      expectRefused(await postBytes(bomb, { 'Content-Encoding': 'gzip' }), 413, 'payload_too_large');
    });

    it('answers 415 to a Content-Encoding it does not know', async () => {
      expectRefused(await postText('x', { 'Content-Encoding': 'compress' }), 415, 'unsupported_media_type');
    });

    it('answers 202 to a task sent gzipped', async () => {
      const answer = await postBytes(gzipSync(Buffer.from(`{"task_type":"analysis","content":${ROWS}}`)), { 'Content-Encoding': 'gzip' });
      expect({ status: answer.status, body: answer.body }).toEqual({ status: 202, body: expect.objectContaining({ status: 'queued' }) });
    });
  });
});
