import { request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import type { WebhookTarget } from './outbound-guard';

/** Response bytes read before the connection is dropped: the body is discarded anyway. */
export const RESPONSE_BODY_CAP_BYTES = 64 * 1024;

export interface PostWebhookOptions {
  target: WebhookTarget;
  body: string;
  headers: Readonly<Record<string, string>>;
  /** The whole exchange (connect, send, response, its body up to the cap). */
  timeoutMs: number;
}

/** A failed exchange; its message is for the task record: no server path, no engine text. */
export class WebhookRequestError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'WebhookRequestError';
  }
}

/**
 * A lookup that answers with the address the guard checked, whatever name it is asked: the
 * connection cannot go to another address than the one checked (no DNS rebinding between the
 * check and the connect). Node calls it with `all: true` when it races address families.
 */
function pinnedLookup(target: WebhookTarget): LookupFunction {
  const { address, family } = target.address;
  return (_hostname, options, callback) => {
    if (options.all === true) callback(null, [{ address, family }]);
    else callback(null, address, family);
  };
}

/** What the client sees of a socket or TLS error: its kind, never the engine's message. */
function describeFailure(err: unknown, timedOut: boolean, timeoutMs: number): string {
  if (timedOut) return `no response within CALLBACK_TIMEOUT_MS (${timeoutMs} ms)`;
  const code = typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string' ? err.code : undefined;
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ECONNRESET':
    case 'EPIPE':
      return 'connection reset by the receiver';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'host unreachable';
    case 'ETIMEDOUT':
      return 'connection timed out';
    default:
      if (code !== undefined && /^(ERR_SSL_|ERR_TLS_|CERT_|UNABLE_TO_|DEPTH_ZERO|SELF_SIGNED|HOSTNAME_MISMATCH|ERR_INVALID_PROTOCOL|EPROTO)/.test(code)) return `TLS failed (${code})`;
      return code !== undefined && /^[A-Z0-9_]{1,40}$/.test(code) ? `request failed (${code})` : 'request failed';
  }
}

/**
 * POSTs a webhook to the checked address, the Host header and TLS server name staying the URL's
 * host. Follows no redirect. Resolves with the status code once the response body ended or hit
 * the cap; rejects with WebhookRequestError.
 */
export function postWebhook(options: PostWebhookOptions): Promise<{ statusCode: number }> {
  const { target } = options;
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, options.timeoutMs);
  const requestOptions: RequestOptions = {
    method: 'POST',
    host: target.hostname,
    port: target.url.port === '' ? undefined : Number(target.url.port),
    path: `${target.url.pathname}${target.url.search}`,
    headers: { ...options.headers, 'content-length': String(Buffer.byteLength(options.body)) },
    lookup: pinnedLookup(target),
    // A pooled socket could outlive the check it was opened under.
    agent: false,
    signal: controller.signal,
  };
  const send = target.url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<{ statusCode: number }>((resolve, reject) => {
    const fail = (err: unknown) => reject(new WebhookRequestError(describeFailure(err, timedOut, options.timeoutMs), { cause: err }));
    const req = send(requestOptions, (res: IncomingMessage) => {
      const statusCode = res.statusCode ?? 0;
      let read = 0;
      res.on('data', (chunk: Buffer) => {
        read += chunk.length;
        if (read > RESPONSE_BODY_CAP_BYTES) {
          res.destroy();
          resolve({ statusCode });
        }
      });
      res.on('end', () => resolve({ statusCode }));
      // The status is known: a body cut short changes nothing of the outcome.
      res.on('error', () => resolve({ statusCode }));
      res.on('close', () => resolve({ statusCode }));
    });
    req.on('error', fail);
    req.end(options.body);
  }).finally(() => clearTimeout(timer));
}
