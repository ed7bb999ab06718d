import { Ajv2020 } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { taskInputJsonSchema, taskPayloadJsonSchema } from './json-schema';

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
});

describe('taskInputJsonSchema', () => {
  it('rejects unknown fields, as the API does', () => {
    const validate = ajv.compile(taskInputJsonSchema());
    expect(validate({ task_type: 'watermark', content: payload.content })).toBe(true);
    expect(validate({ task_type: 'watermark', content: payload.content, extra: 1 })).toBe(false);
  });
});
