/** Ready and unacknowledged messages of one queue. */
export interface QueueMessageCounts {
  ready: number;
  unacked: number;
}

export interface ManagementApiOptions {
  /**
   * Base URL of RabbitMQ's management HTTP API, with the credentials in it
   * (`http://user:pass@host:15672`, `RABBITMQ_MANAGEMENT_URL`). They go in an Authorization
   * header, never in a log line or a message.
   */
  url: string;
  /** The virtual host the queues live in. @defaultValue '/' */
  vhost?: string;
  /** A request that takes longer fails. @defaultValue 2 000 */
  timeoutMs?: number;
}

export interface ManagementApi {
  /** The API's URL without credentials: safe to log. */
  readonly location: string;
  /** A queue's counts (`GET /api/queues/<vhost>/<name>`). Throws ManagementApiError. */
  queueCounts(queue: string): Promise<QueueMessageCounts>;
}

/** The management API did not answer with a queue's counts; the message names no credentials. */
export class ManagementApiError extends Error {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = 'ManagementApiError';
  }
}

/** The management API's default place for an AMQP URL: its host and credentials, port 15672, over http. */
export function managementUrlFrom(amqpUrl: string): string {
  const amqp = new URL(amqpUrl);
  const url = new URL(`http://${amqp.host.replace(/:\d+$/, '')}:15672/`);
  // amqplib connects as guest/guest when the URL names no user; the management API takes the same.
  url.username = amqp.username === '' && amqp.password === '' ? 'guest' : amqp.username;
  url.password = amqp.username === '' && amqp.password === '' ? 'guest' : amqp.password;
  return url.toString();
}

/** The virtual host an AMQP URL connects to, as amqplib reads it: its path, `/` when it has none. */
export function vhostFromAmqpUrl(amqpUrl: string): string {
  const path = new URL(amqpUrl).pathname.slice(1);
  return path === '' ? '/' : decodeURIComponent(path);
}

function countOf(body: unknown, name: string): number | undefined {
  const value = field(body, name);
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : undefined;
}

function field(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null ? Reflect.get(value, name) : undefined;
}

/**
 * Why a request failed, in words that carry no URL credentials: a timeout, or what undici puts
 * in `cause` (a socket error code, or a message such as `bad port`). Read by shape, not `instanceof`: fetch's errors come from another
 * realm under jest.
 */
function reasonOf(err: unknown): string {
  const name = field(err, 'name');
  if (name === 'TimeoutError' || name === 'AbortError') return 'no answer in time';
  const cause = field(err, 'cause');
  const code = field(cause, 'code');
  if (typeof code === 'string') return code;
  const message = field(cause, 'message');
  if (typeof message === 'string') return message;
  return typeof name === 'string' ? name : 'unknown error';
}

/** A small client of RabbitMQ's management HTTP API: the counts AMQP cannot give (unacked). */
export function createManagementApi(options: ManagementApiOptions): ManagementApi {
  const parsed = new URL(options.url);
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new TypeError('the management API URL must be http:// or https://');
  const authorization =
    parsed.username === '' && parsed.password === ''
      ? undefined
      : `Basic ${Buffer.from(`${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}`).toString('base64')}`;
  parsed.username = '';
  parsed.password = '';
  const base = parsed.toString().replace(/\/+$/, '');
  const vhost = encodeURIComponent(options.vhost ?? '/');
  const timeoutMs = options.timeoutMs ?? 2_000;

  return {
    location: base,
    async queueCounts(queue) {
      const where = `${base}/api/queues/${vhost}/${encodeURIComponent(queue)}`;
      let response: Response;
      let body: unknown;
      try {
        response = await fetch(where, {
          headers: { accept: 'application/json', ...(authorization === undefined ? {} : { authorization }) },
          signal: AbortSignal.timeout(timeoutMs),
        });
        body = response.ok ? await response.json() : undefined;
      } catch (err) {
        throw new ManagementApiError(`RabbitMQ management API at ${base}: ${reasonOf(err)}`, { cause: err });
      }
      if (!response.ok) throw new ManagementApiError(`RabbitMQ management API at ${base} answered ${response.status} for queue ${queue}`);
      const ready = countOf(body, 'messages_ready');
      const unacked = countOf(body, 'messages_unacknowledged');
      // A queue the statistics collector has not visited yet has no counts (for a few seconds).
      if (ready === undefined || unacked === undefined) throw new ManagementApiError(`RabbitMQ management API at ${base} has no message counts for queue ${queue} yet`);
      return { ready, unacked };
    },
  };
}
