import { describe, expect, it } from '@jest/globals';
import { TASK_PAYLOAD_VERSION, decodeTaskPayload, encodeTaskPayload, newTaskPayload, taskPayloadSchema, type TaskPayload } from './envelope';
import { taskInputSchema } from './task-input';

const IMAGE_KEY = 'up_0123456789abcdef0123456789abcdef';
const TASK_ID = '7f0c2a4e-5b1d-4c3e-9a8f-0123456789ab';

type WatermarkPayload = Extract<TaskPayload, { task_type: 'watermark' }>;

function watermarkPayload(): WatermarkPayload {
  const payload = taskPayloadSchema.parse({
    v: TASK_PAYLOAD_VERSION,
    id: TASK_ID,
    task_type: 'watermark',
    created_at: '2025-01-02T03:04:05.678Z',
    retry_count: 0,
    content: { image: IMAGE_KEY, watermark: { text: '© offload' } },
  });
  if (payload.task_type !== 'watermark') {
    throw new Error('expected a watermark payload');
  }
  return payload;
}

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

describe('decodeTaskPayload', () => {
  it('returns the payload unchanged when given what encodeTaskPayload wrote', () => {
    const payload = watermarkPayload();
    const body = encodeTaskPayload(payload);

    expect(decodeTaskPayload(body)).toEqual({ ok: true, payload });
    expect(decodeTaskPayload(bytes(body))).toEqual({ ok: true, payload });
  });

  it('round-trips an analysis payload with inline rows', () => {
    const payload = taskPayloadSchema.parse({
      v: TASK_PAYLOAD_VERSION,
      id: TASK_ID,
      task_type: 'analysis',
      created_at: '2025-01-02T03:04:05+02:00',
      retry_count: 3,
      content: { rows: [{ a: 1, b: 'x', c: null, d: true }], group_by: 'b' },
    });

    expect(decodeTaskPayload(encodeTaskPayload(payload))).toEqual({ ok: true, payload });
  });

  it('accepts and drops unknown fields when they appear at the top level and in the content', () => {
    const payload = watermarkPayload();
    const body = JSON.stringify({
      ...payload,
      added_in_a_later_release: { any: 'thing' },
      content: { ...payload.content, hint: 'new', watermark: { ...payload.content.watermark, shadow: true } },
    });

    const decoded = decodeTaskPayload(body);

    expect(decoded).toEqual({ ok: true, payload });
  });

  it.each([0, 2, '1', undefined])('rejects the message as invalid when v is %p', (v) => {
    const decoded = decodeTaskPayload(JSON.stringify({ ...watermarkPayload(), v }));
    expect(decoded).toMatchObject({ ok: false, reason: 'invalid' });
  });

  it('rejects the message as invalid when the task type is unknown', () => {
    const decoded = decodeTaskPayload(JSON.stringify({ ...watermarkPayload(), task_type: 'transcode' }));
    expect(decoded).toMatchObject({ ok: false, reason: 'invalid' });
    expect(decoded.ok ? [] : decoded.issues.map((i) => i.path.join('.'))).toContain('task_type');
  });

  it('says which fields are wrong, on one line, when a hand-written message misses them', () => {
    const { v: _v, id: _id, ...guess } = watermarkPayload();
    const decoded = decodeTaskPayload(JSON.stringify({ ...guess, content: { ...guess.content, image: '/home/me/photo.jpg' } }));
    expect(decoded.ok).toBe(false);
    const message = decoded.ok ? '' : decoded.message;
    expect(message).not.toContain('\n');
    expect(message).toMatch(/(^|; )v: /);
    expect(message).toMatch(/(^|; )id: /);
    expect(message).toMatch(/(^|; )content\.image: /);
  });

  it('rejects the message as invalid when the content does not match its task type', () => {
    const decoded = decodeTaskPayload(JSON.stringify({ ...watermarkPayload(), task_type: 'analysis' }));
    expect(decoded).toMatchObject({ ok: false, reason: 'invalid' });
  });

  it.each<[string, Uint8Array | string]>([
    ['text that is not JSON', 'not json at all'],
    ['an empty body', ''],
    ['truncated JSON', '{"v":1,'],
    ['invalid UTF-8 bytes', Uint8Array.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d])],
    ['a lone continuation byte', Uint8Array.from([0x80])],
  ])('reports not_json with no issues when given %s', (_, body) => {
    expect(decodeTaskPayload(body)).toMatchObject({ ok: false, reason: 'not_json', issues: [] });
  });
});

describe('encodeTaskPayload', () => {
  it('throws rather than serialising when the payload is invalid', () => {
    const payload = watermarkPayload();
    expect(() => encodeTaskPayload({ ...payload, retry_count: -1 })).toThrow();
  });
});

describe('newTaskPayload', () => {
  // Every option of every task type, at the edges the input schemas allow.
  const inputs: unknown[] = [
    { task_type: 'watermark', content: { image: IMAGE_KEY, watermark: { text: 'hi' } } },
    {
      task_type: 'watermark',
      content: {
        image: IMAGE_KEY,
        watermark: { text: 'x'.repeat(200), logo: IMAGE_KEY, position: 'top-left', tile: true, opacity: 0.001, size: 1, margin: 0.5, format: 'avif', quality: 1 },
      },
    },
    { task_type: 'analysis', content: { dataset: IMAGE_KEY } },
    { task_type: 'analysis', content: { rows: [{ a: 1, b: 'x', c: true, d: null }], group_by: 'b', histogram_bins: 5 } },
  ];

  it.each(inputs)('builds an envelope the lenient schema takes as is from validated input %#', (raw) => {
    const input = taskInputSchema.parse(raw);

    const payload = newTaskPayload(input, TASK_ID, new Date().toISOString());

    expect(taskPayloadSchema.parse(payload)).toEqual(payload);
    expect(decodeTaskPayload(JSON.stringify(payload))).toEqual({ ok: true, payload });
  });
});
