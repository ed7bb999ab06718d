import { messageNames } from './message-names';

const ID = '6f1c7b3e-1d2a-4c5b-9e8f-0a1b2c3d4e5f';
const OTHER = 'a0a1a2a3-b4b5-4c6c-8d7d-e8e9eaebeced';

function message(body: string | Buffer, properties: { messageId?: string; type?: string; headers?: Record<string, unknown> } = {}) {
  return { body: Buffer.isBuffer(body) ? body : Buffer.from(body), messageId: properties.messageId, type: properties.type, headers: properties.headers ?? {} };
}

describe('messageNames', () => {
  it('takes the id and type from the AMQP properties of a body that is not JSON', () => {
    expect(messageNames(message('not json', { messageId: ID.toUpperCase(), type: 'watermark' }))).toEqual({ id: ID, task_type: 'watermark' });
  });

  it("prefers offload's task-type header to the type property", () => {
    expect(messageNames(message('x', { type: 'analysis', headers: { 'x-offload-task-type': 'watermark' } })).task_type).toBe('watermark');
  });

  it('prefers the properties to the body', () => {
    const body = JSON.stringify({ id: OTHER, task_type: 'analysis' });
    expect(messageNames(message(body, { messageId: ID, type: 'watermark' }))).toEqual({ id: ID, task_type: 'watermark' });
  });

  it('falls back to the body fields of a JSON object when the properties name nothing', () => {
    const body = JSON.stringify({ task_type: 'watermark', id: ID });
    expect(messageNames(message(body))).toEqual({ id: ID, task_type: 'watermark' });
  });

  it("ignores the worker's `unknown` placeholder and reads the body instead", () => {
    const body = JSON.stringify({ task_type: 'analysis', id: ID });
    const names = messageNames(message(body, { messageId: 'unknown', type: 'unknown', headers: { 'x-offload-task-type': 'unknown' } }));
    expect(names).toEqual({ id: ID, task_type: 'analysis' });
  });

  it.each([
    ['an id that is not a UUID', { id: 'task-1', task_type: 'watermark' }, { id: undefined, task_type: 'watermark' }],
    ['a number as id', { id: 42, task_type: 'watermark' }, { id: undefined, task_type: 'watermark' }],
    ['a task type with a control character', { id: ID, task_type: 'water\u001b[31mmark' }, { id: ID, task_type: undefined }],
    ['a task type with spaces', { id: ID, task_type: 'rm -rf' }, { id: ID, task_type: undefined }],
    ['a task type over 32 characters', { id: ID, task_type: `t${'x'.repeat(32)}` }, { id: ID, task_type: undefined }],
    ['a task type that is not a string', { id: ID, task_type: ['watermark'] }, { id: ID, task_type: undefined }],
  ])('does not name what is malformed: %s', (_label, body, expected) => {
    expect(messageNames(message(JSON.stringify(body)))).toEqual(expected);
  });

  it('accepts a 32-character task type, which need not be one this version knows', () => {
    const type = `t${'x'.repeat(31)}`;
    expect(messageNames(message('x', { type })).task_type).toBe(type);
  });

  it('does not take a malformed property over a well-formed body field', () => {
    const body = JSON.stringify({ id: ID, task_type: 'watermark' });
    expect(messageNames(message(body, { messageId: 'not-a-uuid', type: 'bad\ntype' }))).toEqual({ id: ID, task_type: 'watermark' });
  });

  it.each([
    ['not JSON', Buffer.from('{"id":')],
    ['not UTF-8', Buffer.from([0xff, 0xfe, 0x7b, 0x7d])],
    ['a JSON array', Buffer.from(JSON.stringify([ID, 'watermark']))],
    ['JSON null', Buffer.from('null')],
    ['a JSON string', Buffer.from(JSON.stringify(ID))],
  ])('names nothing for a body that is %s and properties that name nothing', (_label, body) => {
    expect(messageNames(message(body))).toEqual({ id: undefined, task_type: undefined });
  });
});
