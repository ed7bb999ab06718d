import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { ERROR_CODES, PROBLEM_CONTENT_TYPE, TASK_TYPES, isErrorCode, problemSchema } from '@offload/contracts';
import { startHostileApi, type HostileApi } from './hostile-api';

/**
 * One seed for every property, so a run is repeatable; fast-check names it (and the path to the
 * smallest failing input) when a property fails. FUZZ_SEED=<n> explores another corner.
 */
const SEED = Number(process.env.FUZZ_SEED ?? 13_2026);
const RUNS = 300;
const PROPERTY_TIMEOUT_MS = 240_000;

/** Keys a prototype-pollution attempt uses, and the names our schemas know. */
const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty'];
const KNOWN_KEYS = ['task_type', 'content', 'image', 'watermark', 'logo', 'text', 'opacity', 'position', 'rows', 'dataset', 'widths', 'format', 'columns', 'group_by', 'run_at', 'priority'];
const key = fc.oneof(fc.constantFrom(...PROTOTYPE_KEYS, ...KNOWN_KEYS), fc.string({ maxLength: 12 }));

/** Upload-key-like strings: issued-looking, traversal, encoded, too long. */
const uploadKeyish = fc.oneof(
  fc.stringMatching(/^up_[0-9a-f]{32}$/),
  fc.constantFrom('../../etc/passwd', 'up_../../x', `up_${'0'.repeat(32)}\u0000`, '%2e%2e%2f', `up_${'a'.repeat(2000)}`),
  fc.string({ maxLength: 40 }),
);

/** JSON text, built by hand so that __proto__ keys appear in it as keys (JSON.stringify of an object cannot). */
const { json } = fc.letrec<{ json: string; scalar: string; array: string; object: string }>((tie) => ({
  json: fc.oneof({ depthSize: 'small', withCrossShrink: true }, tie('scalar'), tie('array'), tie('object')),
  scalar: fc.oneof(
    fc.constant('null'),
    fc.boolean().map(String),
    fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => JSON.stringify(n)),
    fc.integer().map(String),
    fc.string({ maxLength: 30, unit: 'binary' }).map((s) => JSON.stringify(s)),
    uploadKeyish.map((s) => JSON.stringify(s)),
  ),
  array: fc.array(tie('json'), { maxLength: 5 }).map((items) => `[${items.join(',')}]`),
  object: fc.array(fc.tuple(key, tie('json')), { maxLength: 6 }).map((entries) => objectText(entries)),
}));

function objectText(entries: readonly (readonly [string, string])[]): string {
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`;
}

/** A task type: a real one, a prototype key, or anything. */
const taskType = fc.oneof(fc.constantFrom(...TASK_TYPES), fc.constantFrom(...PROTOTYPE_KEYS, ''), fc.string({ maxLength: 20 }));

/** A cell of inline rows, and rows whose columns may be named like prototype keys. */
const cell = fc.oneof(fc.string({ maxLength: 10 }), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null));
const rows = fc.array(fc.array(fc.tuple(key, cell.map((c) => JSON.stringify(c))), { maxLength: 4 }).map(objectText), { minLength: 1, maxLength: 4 });

describe('fuzzing the API', () => {
  let api: HostileApi;

  beforeAll(async () => {
    api = await startHostileApi({ jsonBodyMaxBytes: 64 * 1024 });
  });

  afterAll(async () => {
    await api.aliveAndIntact();
    await api.close();
  });

  /** The contract for any input: a 2xx, or a 4xx problem+json with a code whose status it is. */
  function expectWithinContract(status: number | undefined, contentType: string | undefined, body: unknown): void {
    expect(status).toBeDefined();
    const code = status ?? 500;
    if (code < 400) {
      expect([200, 201, 202]).toContain(code);
      return;
    }
    expect({ status: code, contentType }).toEqual({ status: expect.any(Number), contentType: expect.stringMatching(new RegExp(`^${PROBLEM_CONTENT_TYPE.replace('+', '\\+')}`)) });
    expect(code).toBeLessThan(500);
    const problem = problemSchema.safeParse(body);
    expect(problem.success).toBe(true);
    if (problem.success) {
      expect(isErrorCode(problem.data.code)).toBe(true);
      expect({ code: problem.data.code, status: ERROR_CODES[problem.data.code].status, body: problem.data.status }).toEqual({ code: problem.data.code, status: code, body: code });
    }
  }

  const postJsonText = async (text: string, headers: Record<string, string> = {}) => {
    const res = await api.post('/v1/tasks').set({ 'Content-Type': 'application/json', ...headers }).send(text);
    expectWithinContract(res.status, res.headers['content-type'], res.body);
    return res.status;
  };

  it(
    'answers any JSON value on POST /v1/tasks with a 2xx or a 4xx problem',
    async () => {
      await fc.assert(
        fc.asyncProperty(json, async (text) => {
          await postJsonText(text);
        }),
        { seed: SEED, numRuns: RUNS },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'answers fc.jsonValue() bodies with a 2xx or a 4xx problem',
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.jsonValue(), async (value) => {
          await postJsonText(JSON.stringify(value));
        }),
        { seed: SEED, numRuns: RUNS },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'answers task-shaped objects (any type, random content, prototype keys at any level) with a 2xx or a 4xx problem',
    async () => {
      const content = fc.oneof(
        json,
        rows.map((r) => `{"rows":[${r.join(',')}]}`),
        fc
          .tuple(fc.option(fc.string({ maxLength: 210 }), { nil: undefined }), fc.double(), fc.constantFrom('bottom-right', 'center', 'middle', '__proto__'), fc.array(fc.tuple(key, json), { maxLength: 2 }))
          .map(([text, opacity, position, extra]) =>
            objectText([
              ['image', JSON.stringify(api.imageKey)],
              ['watermark', objectText([...(text === undefined ? [] : [['text', JSON.stringify(text)] as const]), ['opacity', JSON.stringify(opacity)], ['position', JSON.stringify(position)], ...extra])],
            ]),
          ),
        fc.tuple(fc.array(fc.integer({ min: -10, max: 5000 }), { maxLength: 10 }), fc.array(fc.tuple(key, json), { maxLength: 2 })).map(([widths, extra]) =>
          objectText([['image', JSON.stringify(api.imageKey)], ['widths', JSON.stringify(widths)], ...extra]),
        ),
      );
      const task = fc
        .tuple(taskType, content, fc.array(fc.tuple(key, json), { maxLength: 3 }), fc.boolean())
        .map(([type, body, extra, extraFirst]) => {
          const entries: [string, string][] = [['task_type', JSON.stringify(type)], ['content', body]];
          return objectText(extraFirst ? [...extra, ...entries] : [...entries, ...extra]);
        });
      const statuses: number[] = [];
      await fc.assert(
        fc.asyncProperty(task, async (text) => {
          statuses.push(await postJsonText(text));
        }),
        { seed: SEED, numRuns: RUNS },
      );
      // The generators reach the accept path as well as every refusal.
      expect(statuses).toContain(202);
      expect(statuses).toContain(422);
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'answers any text sent as application/json with a 2xx or a 4xx problem',
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.oneof(fc.string({ unit: 'binary', maxLength: 200 }), fc.string({ unit: 'grapheme', maxLength: 200 })), async (text) => {
          await postJsonText(text);
        }),
        { seed: SEED, numRuns: RUNS },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'answers any bytes sent as JSON, gzip-encoded JSON or multipart with a 2xx or a 4xx problem',
    async () => {
      const headers = fc.constantFrom(
        ['POST /v1/tasks HTTP/1.1', 'Content-Type: application/json'],
        ['POST /v1/tasks HTTP/1.1', 'Content-Type: application/json', 'Content-Encoding: gzip'],
        ['POST /v1/tasks HTTP/1.1', 'Content-Type: application/json; charset=utf-16'],
        ['POST /v1/uploads HTTP/1.1', 'Content-Type: multipart/form-data; boundary=x'],
        ['POST /v1/images HTTP/1.1', 'Content-Type: multipart/form-data; boundary=x'],
      );
      await fc.assert(
        fc.asyncProperty(headers, fc.uint8Array({ maxLength: 512 }), async (head, bytes) => {
          const body = Buffer.from(bytes);
          const answer = await api.raw([...head, `Content-Length: ${body.length}`].join('\r\n'), body);
          expectWithinContract(answer.status, answer.headers['content-type'], answer.body);
        }),
        { seed: SEED, numRuns: RUNS },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'answers any header values with a 2xx or a 4xx problem',
    async () => {
      // What an HTTP client can send in a header value: tab, visible ASCII, space and Latin-1.
      const headerValue = fc.string({ unit: fc.integer({ min: 0x20, max: 0xff }).filter((c) => c !== 0x7f).map((c) => String.fromCharCode(c)), maxLength: 300 });
      const names = ['Idempotency-Key', 'traceparent', 'tracestate', 'X-Request-Id', 'Content-Type', 'Content-Encoding', 'Accept', 'Accept-Encoding', 'Origin', 'Authorization'];
      const headers = fc.dictionary(fc.constantFrom(...names), headerValue.map((v) => v.trim()), { maxKeys: 4 });
      const body = fc.constantFrom(JSON.stringify({ task_type: 'analysis', content: { rows: [{ a: 1 }] } }), '{}');
      await fc.assert(
        fc.asyncProperty(headers, body, async (set, text) => {
          await postJsonText(text, { ...set });
        }),
        { seed: SEED, numRuns: RUNS },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'answers any path segment after /v1/tasks/ with a 2xx or a 4xx problem',
    async () => {
      const segment = fc.oneof(
        fc.string({ maxLength: 60 }).map(encodeURIComponent),
        fc.string({ unit: fc.constantFrom('%', '2', 'e', 'f', 'c', '0', 'a', '.', '/', 'Z', '~', '-', '_'), maxLength: 40 }),
      );
      const suffix = fc.constantFrom('', '/result', '/outputs/w16', '/outputs/%zz', '/events');
      await fc.assert(
        fc.asyncProperty(segment, suffix, async (id, tail) => {
          const res = await api.get(`/v1/tasks/${id}${tail}`);
          expectWithinContract(res.status, res.headers['content-type'], res.body);
        }),
        { seed: SEED, numRuns: RUNS },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );
});
