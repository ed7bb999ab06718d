import { deadLetterReason, deadLetteredAtMs } from './reason';

describe('deadLetterReason', () => {
  it("reads offload's reason and error headers", () => {
    expect(deadLetterReason({ 'x-offload-reason': 'corrupt_image', 'x-offload-error': 'truncated' })).toEqual({ code: 'corrupt_image', message: 'truncated' });
    expect(deadLetterReason({ 'x-offload-reason': 'corrupt_image' })).toEqual({ code: 'corrupt_image', message: 'corrupt_image' });
  });

  it('reads a broker-made dead letter past its delivery limit as worker_lost', () => {
    const headers = { 'x-death': [{ reason: 'delivery_limit', queue: 'offload.task.watermark', time: { '!': 'timestamp', value: 1_700_000_000 } }] };
    expect(deadLetterReason(headers)).toEqual({
      code: 'worker_lost',
      message: 'the broker dead-lettered the task after its delivery limit on offload.task.watermark: it kept failing to finish',
    });
  });

  it('calls anything else dead_lettered, a reason that is not an error code included', () => {
    expect(deadLetterReason({ 'x-offload-reason': 'not_a_code', 'x-death': [{ reason: 'rejected' }] })).toEqual({ code: 'dead_lettered', message: 'the broker dead-lettered the task (rejected)' });
    expect(deadLetterReason({}).code).toBe('dead_lettered');
  });
});

describe('deadLetteredAtMs', () => {
  it("prefers offload's header to the x-death time", () => {
    const at = '2026-03-01T10:00:00.000Z';
    expect(deadLetteredAtMs({ 'x-offload-dead-lettered-at': at, 'x-death': [{ reason: 'rejected', time: 1 }] })).toBe(Date.parse(at));
  });

  it("takes x-death's time (seconds, as amqplib decodes a timestamp) when there is no header", () => {
    expect(deadLetteredAtMs({ 'x-death': [{ reason: 'delivery_limit', time: { '!': 'timestamp', value: 1_700_000_000 } }] })).toBe(1_700_000_000_000);
    expect(deadLetteredAtMs({ 'x-offload-dead-lettered-at': 'yesterday' })).toBeUndefined();
  });
});
