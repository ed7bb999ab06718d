import { describe, expect, it } from '@jest/globals';
import { unconfirmed } from './publisher';

describe('unconfirmed', () => {
  it.each([
    ['timeout', 'timeout', 'not confirmed by the broker within PUBLISH_TIMEOUT_MS (5000 ms)'],
    ['Channel closed', 'channel_closed', 'the channel to the broker closed before it confirmed'],
    ['Not connected.', 'no_channel', 'no channel to the broker (it is down or unreachable)'],
    ['message nacked', 'nacked', 'the broker refused the message (nack)'],
  ])('says what happened when amqp-connection-manager rejects with %j', (message, reason, said) => {
    const err = unconfirmed(new Error(message), 5_000);
    expect({ reason: err.reason, message: err.message, code: err.code, retryable: err.retryable }).toEqual({ reason, message: said, code: 'broker_unavailable', retryable: true });
  });
});
