import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { z } from 'zod';
import { tenantSchema } from './access';
import { TASK_PAYLOAD_VERSION, decodeTaskPayload, encodeTaskPayload, taskPayloadSchema } from './envelope';
import { ERROR_CODES, isErrorCode } from './error-codes';
import { classifyError } from './offload-error';
import { fieldProblemSchema, problemSchema, toFieldProblems } from './problem';
import { uploadKeySchema } from './storage-keys';
import { taskInputSchema } from './task-input';
import { taskRecordSchema } from './task-record';
import { TASK_TYPES, TASK_TYPE_REGISTRY, isTaskType, taskUploads } from './task-types/index';

/**
 * One seed for every property, so a run is repeatable; fast-check names it (and the path to the
 * smallest failing input) when a property fails. FUZZ_SEED=<n> explores another corner.
 */
const SEED = Number(process.env.FUZZ_SEED ?? 13_2026);
const RUNS = 500;
const OPTIONS = { seed: SEED, numRuns: RUNS };

const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty'];
const ENVELOPE_KEYS = ['v', 'id', 'task_type', 'content', 'created_at', 'retry_count', 'tenant', 'image', 'watermark', 'rows', 'dataset', 'widths', 'text'];
const key = fc.oneof(fc.constantFrom(...PROTOTYPE_KEYS, ...ENVELOPE_KEYS), fc.string({ maxLength: 10 }));
const UPLOAD_KEY = 'up_0123456789abcdef0123456789abcdef';

function objectText(entries: readonly (readonly [string, string])[]): string {
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`;
}

/** JSON text, built by hand so that __proto__ keys appear in it as keys (JSON.stringify of an object cannot). */
const { json } = fc.letrec<{ json: string; scalar: string; array: string; object: string }>((tie) => ({
  json: fc.oneof({ depthSize: 'small', withCrossShrink: true }, tie('scalar'), tie('array'), tie('object')),
  scalar: fc.oneof(
    fc.constantFrom('null', 'true', 'false', '1', '-0', '1e308', '0.5', JSON.stringify(UPLOAD_KEY)),
    fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => JSON.stringify(n)),
    fc.string({ maxLength: 20, unit: 'binary' }).map((s) => JSON.stringify(s)),
  ),
  array: fc.array(tie('json'), { maxLength: 4 }).map((items) => `[${items.join(',')}]`),
  object: fc.array(fc.tuple(key, tie('json')), { maxLength: 5 }).map(objectText),
}));

/** Content that is valid for some type, so the properties reach the accepting branch too. */
const validContent = fc.constantFrom(
  `{"image":"${UPLOAD_KEY}","watermark":{"text":"x"}}`,
  `{"image":"${UPLOAD_KEY}","widths":[16,32]}`,
  '{"rows":[{"a":1,"__proto__":2}]}',
  `{"dataset":"${UPLOAD_KEY}"}`,
);

/** An envelope whose every field is right, wrong or missing, with prototype keys mixed in. */
const envelopeText = fc
  .record(
    {
      v: fc.oneof(fc.constant(String(TASK_PAYLOAD_VERSION)), json),
      id: fc.oneof(fc.uuid().map((u) => JSON.stringify(u)), json),
      task_type: fc.oneof(fc.constantFrom(...TASK_TYPES).map((t) => JSON.stringify(t)), fc.constantFrom(...PROTOTYPE_KEYS).map((t) => JSON.stringify(t)), json),
      content: fc.oneof(validContent, json),
      created_at: fc.oneof(fc.date({ noInvalidDate: true, min: new Date(0), max: new Date(4_000_000_000_000) }).map((d) => JSON.stringify(d.toISOString())), json),
      retry_count: fc.oneof(fc.nat().map(String), json),
      tenant: fc.oneof(fc.constant('"default"'), json),
    },
    { requiredKeys: ['v', 'id', 'task_type', 'content', 'created_at', 'retry_count'] },
  )
  .chain((fields) => fc.array(fc.tuple(key, json), { maxLength: 3 }).map((extra) => objectText([...Object.entries(fields), ...extra])));

/** Every value fast-check makes, boxed values, maps, sets, null prototypes and sparse arrays included. */
const anything = fc.anything({
  withBigInt: true,
  withBoxedValues: true,
  withDate: true,
  withMap: true,
  withSet: true,
  withNullPrototype: true,
  withObjectString: true,
  withSparseArray: true,
  withTypedArray: true,
});

describe('decodeTaskPayload on hostile input', () => {
  it('answers any bytes with not_json or invalid, never throwing', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
        const result = decodeTaskPayload(bytes);
        expect(result.ok).toBe(false);
        if (!result.ok) expect(['not_json', 'invalid']).toContain(result.reason);
      }),
      OPTIONS,
    );
  });

  it('answers any string with not_json or invalid, never throwing', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' })), (text) => {
        const result = decodeTaskPayload(text);
        expect(result.ok).toBe(false);
        if (!result.ok) expect(typeof result.message).toBe('string');
      }),
      OPTIONS,
    );
  });

  it('answers any JSON with invalid and its issues, never throwing', () => {
    fc.assert(
      fc.property(fc.oneof(json, fc.jsonValue().map((v) => JSON.stringify(v))), (text) => {
        const result = decodeTaskPayload(text);
        expect(result.ok).toBe(false);
        if (!result.ok) expect({ reason: result.reason, some: result.issues.length > 0 }).toEqual({ reason: 'invalid', some: true });
      }),
      OPTIONS,
    );
  });

  it('decodes envelope-shaped JSON to a payload that encodes and decodes to itself, or to invalid', () => {
    let decoded = 0;
    fc.assert(
      fc.property(envelopeText, fc.boolean(), (text, asBytes) => {
        const result = decodeTaskPayload(asBytes ? new TextEncoder().encode(text) : text);
        if (!result.ok) {
          expect(result.reason).toBe('invalid');
          return;
        }
        decoded += 1;
        expect(isTaskType(result.payload.task_type)).toBe(true);
        expect(result.payload.v).toBe(TASK_PAYLOAD_VERSION);
        expect(decodeTaskPayload(encodeTaskPayload(result.payload))).toEqual({ ok: true, payload: result.payload });
      }),
      OPTIONS,
    );
    expect(decoded).toBeGreaterThan(0);
  });

  it('answers JSON nested 100,000 deep with invalid', () => {
    for (const text of [`${'['.repeat(100_000)}${']'.repeat(100_000)}`, `{"v":1,"content":${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}}`]) {
      expect(decodeTaskPayload(text)).toEqual(expect.objectContaining({ ok: false, reason: 'invalid' }));
    }
  });
});

describe('the schemas on hostile input', () => {
  it('taskInputSchema answers any JSON task with ok or field problems, never throwing', () => {
    const task = fc
      .tuple(fc.oneof(fc.constantFrom(...TASK_TYPES, ...PROTOTYPE_KEYS), fc.string()), fc.oneof(validContent, json), fc.array(fc.tuple(key, json), { maxLength: 2 }))
      .map(([type, content, extra]) => objectText([['task_type', JSON.stringify(type)], ['content', content], ...extra]));
    let accepted = 0;
    fc.assert(
      fc.property(task, (text) => {
        const parsed = taskInputSchema.safeParse(JSON.parse(text));
        if (parsed.success) {
          accepted += 1;
          expect(isTaskType(parsed.data.task_type)).toBe(true);
          return;
        }
        const problems = toFieldProblems(parsed.error);
        expect(problems.length).toBeGreaterThan(0);
        for (const problem of problems) expect(fieldProblemSchema.safeParse(problem).success).toBe(true);
      }),
      OPTIONS,
    );
    expect(accepted).toBeGreaterThan(0);
  });

  const schemas: [string, z.ZodType][] = [
    ['taskInputSchema', taskInputSchema],
    ['taskPayloadSchema', taskPayloadSchema],
    ['taskRecordSchema', taskRecordSchema],
    ['problemSchema', problemSchema],
    ['fieldProblemSchema', fieldProblemSchema],
    ['uploadKeySchema', uploadKeySchema],
    ['tenantSchema', tenantSchema],
    ...TASK_TYPES.flatMap((t): [string, z.ZodType][] => [
      [`${t} input`, TASK_TYPE_REGISTRY[t].input],
      [`${t} content`, TASK_TYPE_REGISTRY[t].content],
      [`${t} result`, TASK_TYPE_REGISTRY[t].result],
    ]),
  ];

  it.each(schemas)('%s.safeParse answers any value with success true or false, never throwing', (_name, schema) => {
    fc.assert(
      fc.property(fc.oneof(anything, json.map((text): unknown => JSON.parse(text))), (value) => {
        const parsed = schema.safeParse(value);
        expect(typeof parsed.success).toBe('boolean');
        if (!parsed.success) expect(() => toFieldProblems(parsed.error)).not.toThrow();
      }),
      OPTIONS,
    );
  });

  it('problemSchema accepts only codes from ERROR_CODES', () => {
    fc.assert(
      fc.property(fc.oneof(fc.constantFrom(...Object.keys(ERROR_CODES), ...PROTOTYPE_KEYS), fc.string()), (code) => {
        const parsed = problemSchema.safeParse({ type: '/problems/x', title: 't', status: 400, detail: 'd', code });
        expect(parsed.success).toBe(isErrorCode(code));
      }),
      OPTIONS,
    );
  });
});

describe('the small readers on hostile input', () => {
  it('isErrorCode and isTaskType answer a boolean for anything, and false for prototype keys', () => {
    fc.assert(
      fc.property(anything, (value) => {
        expect(typeof isErrorCode(value)).toBe('boolean');
        expect(typeof isTaskType(value)).toBe('boolean');
      }),
      OPTIONS,
    );
    for (const name of PROTOTYPE_KEYS) expect([isErrorCode(name), isTaskType(name)]).toEqual([false, false]);
  });

  it('classifyError reads a code, a retryable flag and a message from anything, never throwing', () => {
    const errorish = fc.oneof(anything, fc.record({ code: fc.oneof(fc.constantFrom(...Object.keys(ERROR_CODES), ...PROTOTYPE_KEYS), anything), retryable: anything, message: anything }, { requiredKeys: [] }));
    fc.assert(
      fc.property(errorish, (value) => {
        const { code, retryable, message } = classifyError(value);
        expect(code === undefined || isErrorCode(code)).toBe(true);
        expect(typeof retryable).toBe('boolean');
        expect(typeof message).toBe('string');
      }),
      OPTIONS,
    );
  });

  it('taskUploads finds only string keys in any content, never throwing', () => {
    fc.assert(
      fc.property(fc.constantFrom(...TASK_TYPES), fc.oneof(anything, json.map((text): unknown => JSON.parse(text))), (taskType, content) => {
        for (const upload of taskUploads(taskType, content)) expect(typeof upload.key).toBe('string');
      }),
      OPTIONS,
    );
  });
});
