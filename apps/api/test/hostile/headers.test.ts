import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { blobFiles, openQueueReader, type QueueReader } from '../fixtures';
import { MULTIPART_TYPE, SMALL_PNG, expectRefused, multipart, startHostileApi, type HostileApi } from './hostile-api';

const TEN_KB = 10 * 1024;
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT_ID = '00f067aa0ba902b7';
const ANALYSIS = { task_type: 'analysis', content: { rows: [{ a: 1 }] } };
const ANALYSIS_JSON = JSON.stringify(ANALYSIS);

/** Hostile request headers: Idempotency-Key, trace context, credentials, framing. */
describe('hostile headers', () => {
  let api: HostileApi;
  let queues: QueueReader;

  beforeAll(async () => {
    api = await startHostileApi();
    queues = await openQueueReader();
  });

  afterEach(async () => {
    await api.aliveAndIntact();
  });

  afterAll(async () => {
    await queues.close();
    await api.close();
  });

  const recordCount = async () => (await api.harness.allRecords()).length;

  describe('Idempotency-Key', () => {
    it.each([
      ['10 KB long', 'k'.repeat(TEN_KB)],
      ['256 characters, one over the limit, of a UUID repeated', `${'0123456789abcdef'.repeat(16)}`.slice(0, 256)],
      ['a space inside', 'two words'],
      ['a Latin-1 letter', 'cl\u00e9'],
      ['a tab inside', 'a\tb'],
      ['empty', ''],
    ])('answers 422 naming the header and creates nothing when it is %s', async (_what, key) => {
      const before = await recordCount();
      const problem = expectRefused(await api.post('/v1/tasks').set('Idempotency-Key', key).send(ANALYSIS), 422, 'validation_failed');
      expect(problem.errors?.map((e) => e.path)).toEqual(['headers.idempotency-key']);
      expect(JSON.stringify(problem).length).toBeLessThan(2_000);
      expect(await recordCount()).toBe(before);
    });

    it('answers 422 naming the header and keeps no upload when a 10 KB key comes with /v1/images', async () => {
      const before = await blobFiles(api.harness.dataDir);
      const body = multipart([{ name: 'text', body: 'hi' }, { name: 'image', filename: 'a.png', body: SMALL_PNG }]);
      const res = await api.post('/v1/images').set({ 'Content-Type': MULTIPART_TYPE, 'Idempotency-Key': 'k'.repeat(TEN_KB) }).send(body);
      expect(expectRefused(res, 422, 'validation_failed').errors?.map((e) => e.path)).toEqual(['headers.idempotency-key']);
      expect(await blobFiles(api.harness.dataDir)).toEqual(before);
    });
  });

  describe('trace context', () => {
    /** Submits a task with these headers (202) and returns the headers of the message it published. */
    async function publishedHeaders(headers: Record<string, string>): Promise<Record<string, unknown>> {
      const res = await api.post('/v1/tasks').set(headers).send(ANALYSIS).expect(202);
      const message = await queues.take(api.harness.topology.workQueues.analysis, (res.body as { id: string }).id);
      return { ...message.properties.headers };
    }

    it.each([
      ['10 KB long', 't'.repeat(TEN_KB)],
      ['an all-zero trace id', `00-${'0'.repeat(32)}-${PARENT_ID}-01`],
      ['an all-zero parent id', `00-${TRACE_ID}-${'0'.repeat(16)}-01`],
      ['upper-case hex', `00-${TRACE_ID.toUpperCase()}-${PARENT_ID}-01`],
      ['version ff', `ff-${TRACE_ID}-${PARENT_ID}-01`],
      ['a field after the flags', `00-${TRACE_ID}-${PARENT_ID}-01-extra`],
      ['a short trace id', `00-${TRACE_ID.slice(1)}-${PARENT_ID}-01`],
      ['underscores for dashes', `00_${TRACE_ID}_${PARENT_ID}_01`],
      ['Latin-1 letters', `00-${TRACE_ID.slice(2)}\u00e9\u00e9-${PARENT_ID}-01`],
    ])('accepts the task and passes no traceparent on when traceparent has %s', async (_what, traceparent) => {
      const headers = await publishedHeaders({ traceparent });
      expect(headers.traceparent).toBeUndefined();
    });

    it('accepts the task and passes no traceparent on when the header comes twice', async () => {
      const answer = await api.raw(
        ['POST /v1/tasks HTTP/1.1', 'Content-Type: application/json', `Content-Length: ${ANALYSIS_JSON.length}`, `traceparent: 00-${TRACE_ID}-${PARENT_ID}-01`, `traceparent: 00-${TRACE_ID}-${PARENT_ID}-00`].join('\r\n'),
        ANALYSIS_JSON,
      );
      expect(answer.status).toBe(202);
      const message = await queues.take(api.harness.topology.workQueues.analysis, (answer.body as { id: string }).id);
      expect(message.properties.headers?.traceparent).toBeUndefined();
    });

    it.each([
      ['10 KB long', 's'.repeat(TEN_KB)],
      ['not list-members', '===,,,;;;'],
      ['a __proto__ member', '__proto__=1,constructor=2'],
      ['33 members, one over the limit', Array.from({ length: 33 }, (_, i) => `k${i}=v`).join(',')],
    ])('accepts the task, passes on a valid traceparent and no tracestate when tracestate is %s', async (_what, tracestate) => {
      const headers = await publishedHeaders({ traceparent: `00-${TRACE_ID}-${PARENT_ID}-01`, tracestate });
      expect(headers.traceparent).toMatch(new RegExp(`^00-${TRACE_ID}-[0-9a-f]{16}-01$`));
      expect(headers.tracestate).toBeUndefined();
    });

    it('answers 431 headers_too_large when a 10 KB traceparent and a 10 KB tracestate come together', async () => {
      const answer = await api.raw(['GET /v1/tasks HTTP/1.1', `traceparent: ${'t'.repeat(TEN_KB)}`, `tracestate: ${'s'.repeat(TEN_KB)}`].join('\r\n'));
      expectRefused(answer, 431, 'headers_too_large');
    });
  });

  describe('credentials', () => {
    it.each([
      ['a 10 KB bearer token', `Bearer ${'x'.repeat(TEN_KB)}`],
      ['a 10 KB key with the key prefix', `Bearer ofk_${'a'.repeat(TEN_KB)}`],
      ['a traversal for a token', 'Bearer ../../../etc/passwd'],
      ['Basic credentials', `Basic ${Buffer.from('admin:admin').toString('base64')}`],
      ['a bare scheme', 'Bearer'],
      ['two tokens', 'Bearer a b'],
    ])('answers 401 unauthorized with a Bearer challenge to %s', async (_what, authorization) => {
      const res = await api.post('/v1/tasks').set('Authorization', authorization).send(ANALYSIS);
      expectRefused(res, 401, 'unauthorized');
      expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="offload"/);
    });
  });

  describe('request ids', () => {
    it.each([
      ['10 KB long', 'r'.repeat(TEN_KB)],
      ['a traversal', '../../etc/passwd'],
      ['JSON', '{"level":"fatal","msg":"forged"}'],
    ])('answers with an id of its own when X-Request-Id is %s', async (_what, requestId) => {
      const res = await api.post('/v1/tasks').set('X-Request-Id', requestId).send(ANALYSIS).expect(202);
      expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    });
  });

  describe('framing and header syntax, on a raw connection', () => {
    const post = (...headers: string[]) => api.raw(['POST /v1/tasks HTTP/1.1', 'Content-Type: application/json', ...headers].join('\r\n'), ANALYSIS_JSON);

    it.each([
      ['a NUL in a header value', [`Content-Length: ${ANALYSIS_JSON.length}`, 'X-Note: a\u0000b']],
      ['a bare CR in a header value', [`Content-Length: ${ANALYSIS_JSON.length}`, 'X-Note: a\rb']],
      ['a space before the colon', [`Content-Length : ${ANALYSIS_JSON.length}`]],
      ['a Content-Length that is not a number', ['Content-Length: 12abc']],
      ['a negative Content-Length', ['Content-Length: -1']],
      ['two different Content-Lengths', [`Content-Length: ${ANALYSIS_JSON.length}`, 'Content-Length: 3']],
      ['both Content-Length and chunked Transfer-Encoding', [`Content-Length: ${ANALYSIS_JSON.length}`, 'Transfer-Encoding: chunked']],
      ['a Transfer-Encoding that does not end in chunked', ['Transfer-Encoding: chunked, gzip']],
    ])('answers 400 malformed_request to %s', async (_what, headers) => {
      expectRefused(await post(...headers), 400, 'malformed_request');
    });

    it.each([
      ['a 10 KB media type', `Content-Type: application/${'j'.repeat(TEN_KB)}`],
      ['an unsupported charset', 'Content-Type: application/json; charset=ebcdic-cp-us'],
    ])('answers 415 unsupported_media_type to %s', async (_what, contentType) => {
      const answer = await api.raw(['POST /v1/tasks HTTP/1.1', contentType, `Content-Length: ${ANALYSIS_JSON.length}`].join('\r\n'), ANALYSIS_JSON);
      expectRefused(answer, 415, 'unsupported_media_type');
    });

    it('answers 400 malformed_multipart to a 10 KB multipart boundary', async () => {
      const answer = await api.raw(['POST /v1/uploads HTTP/1.1', `Content-Type: multipart/form-data; boundary=${'b'.repeat(TEN_KB)}`, 'Content-Length: 4'].join('\r\n'), 'abcd');
      expectRefused(answer, 400, 'malformed_multipart');
    });
  });
});
