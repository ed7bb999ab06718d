import { OffloadError } from '@offload/contracts';

/** Why a publish was not confirmed. */
export type NotAcceptedReason = 'no_channel' | 'buffer_full' | 'timeout' | 'channel_closed' | 'nacked' | 'unroutable';

/**
 * The broker did not confirm a publish: not accepted. `reason` says what happened and the message
 * says it in words a client can read (no broker address, no credentials).
 */
export class NotAcceptedError extends OffloadError {
  constructor(
    readonly reason: NotAcceptedReason,
    message: string,
    options: { cause?: unknown } = {},
  ) {
    super('broker_unavailable', message, { ...options, retryable: true });
    this.name = 'NotAcceptedError';
  }
}

/**
 * RabbitMQ cannot be reached: at start-up (its message is the one line `main` prints), or when a
 * dead-letter reader cannot open or keep its channel (the API answers 503 with Retry-After).
 */
export class BrokerUnreachableError extends OffloadError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('broker_unavailable', message, { ...options, retryable: true });
    this.name = 'BrokerUnreachableError';
  }
}

/**
 * The broker closed a channel with a code no reconnect can fix (403 access refused, 404 not
 * found, 406 precondition failed: for example a queue declared with different arguments). This
 * is a bug or a configuration fault, so it stops loudly. Same list as acm's IRRECOVERABLE_ERRORS.
 */
export const IRRECOVERABLE_AMQP_CODES: readonly number[] = [403, 404, 406, 501, 502, 503, 504, 530, 540, 541];

export function amqpCloseCode(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const code: unknown = Reflect.get(err, 'code');
  return typeof code === 'number' ? code : undefined;
}

export function isIrrecoverableChannelError(err: unknown): boolean {
  const code = amqpCloseCode(err);
  return code !== undefined && IRRECOVERABLE_AMQP_CODES.includes(code);
}

/**
 * The broker refused what this process must do on it (declare the topology, consume a queue): a
 * user without the permission, or a queue that exists with other arguments. No retry helps, so
 * start-up ends with this one line.
 */
export class BrokerRefusedError extends OffloadError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('broker_unavailable', message, { ...options, retryable: false });
    this.name = 'BrokerRefusedError';
  }
}
