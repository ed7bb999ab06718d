import { describe, expect, it } from '@jest/globals';
import { Ajv2020 } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { problemSchema } from './problem';
import { taskRecordSchema } from './task-record';
import { TASK_TYPES, TASK_TYPE_REGISTRY } from './task-types/index';
import { problemJsonSchema, taskInputJsonSchema, taskPayloadJsonSchema, taskRecordJsonSchema, taskResultJsonSchema } from './json-schema';

const ajv = new Ajv2020({ strict: false });
addFormats(ajv);
const payload = {
  v: 1,
  id: '0b6f0b7e-8d0a-4a39-9a40-4f1c1d8f5a11',
  task_type: 'watermark',
  content: { image: `up_${'a'.repeat(32)}`, watermark: { text: 'hi', opacity: 0.4 } },
  created_at: '2026-11-24T10:00:00.000Z',
  retry_count: 0,
};
const watermarkResult = { output_key: 'out/x.png', content_type: 'image/png', format: 'png', width: 640, height: 480, pages: 1, bytes: 1234 };
const record = {
  id: payload.id,
  task_type: 'watermark',
  status: 'succeeded',
  attempts: 1,
  created_at: payload.created_at,
  updated_at: payload.created_at,
  result: watermarkResult,
};
const problem = { type: '/problems/not-found', title: 'Not found', status: 404, detail: 'no task 1', code: 'not_found', instance: '/v1/tasks/1' };

describe('taskPayloadJsonSchema', () => {
  const validate = ajv.compile(taskPayloadJsonSchema());

  it('accepts a payload the zod schema accepts', () => {
    expect(validate(payload)).toBe(true);
  });

  it('rejects a payload with an unknown task_type or a bad upload key', () => {
    expect(validate({ ...payload, task_type: 'nope' })).toBe(false);
    expect(validate({ ...payload, id: 'not-a-uuid' })).toBe(false);
    expect(validate({ ...payload, content: { ...payload.content, image: '../etc/passwd' } })).toBe(false);
  });

  it('accepts a field it does not know, as a worker does', () => {
    expect(validate({ ...payload, trace: 'x' })).toBe(true);
  });
});

describe('taskInputJsonSchema', () => {
  it('rejects unknown fields, as the API does', () => {
    const validate = ajv.compile(taskInputJsonSchema());
    expect(validate({ task_type: 'watermark', content: payload.content })).toBe(true);
    expect(validate({ task_type: 'watermark', content: payload.content, extra: 1 })).toBe(false);
  });
});

describe('taskRecordJsonSchema', () => {
  const validate = ajv.compile(taskRecordJsonSchema());

  it('accepts a record the zod schema accepts, even with a field added by a later release', () => {
    const later = { ...record, region: 'eu-west' };
    expect(taskRecordSchema.safeParse(later).success).toBe(true);
    expect(validate(later)).toBe(true);
  });

  it('rejects an error code nobody defined, as the zod schema does', () => {
    const failed = { ...record, status: 'failed', result: undefined, error: { code: 'oops', message: 'x' } };
    expect(taskRecordSchema.safeParse(failed).success).toBe(false);
    expect(validate(JSON.parse(JSON.stringify(failed)))).toBe(false);
  });
});

describe('problemJsonSchema', () => {
  const validate = ajv.compile(problemJsonSchema());

  it('accepts a problem body the API sends', () => {
    expect(problemSchema.parse(problem)).toEqual(problem);
    expect(validate(problem)).toBe(true);
  });

  it('rejects a code that is not one of ERROR_CODES, as the zod schema does', () => {
    expect(problemSchema.safeParse({ ...problem, code: 'teapot' }).success).toBe(false);
    expect(validate({ ...problem, code: 'teapot' })).toBe(false);
  });
});

describe('taskResultJsonSchema', () => {
  it.each(TASK_TYPES)('compiles with its type named in the title when the type is %s', (taskType) => {
    const schema = taskResultJsonSchema(taskType);
    expect(schema.title).toBe(`${taskType} result`);
    expect(() => ajv.compile(schema)).not.toThrow();
  });

  it('agrees with the registry result schema on a watermark result', () => {
    const validate = ajv.compile(taskResultJsonSchema('watermark'));
    const { width: _width, ...noWidth } = watermarkResult;
    expect(TASK_TYPE_REGISTRY.watermark.result.safeParse(watermarkResult).success).toBe(true);
    expect(validate(watermarkResult)).toBe(true);
    expect(TASK_TYPE_REGISTRY.watermark.result.safeParse(noWidth).success).toBe(false);
    expect(validate(noWidth)).toBe(false);
  });
});
