import amqp, { type AmqpConnectionManager } from 'amqp-connection-manager';
import type { Logger } from '@offload/telemetry';
import { BrokerUnreachableError } from './errors';

export type { AmqpConnectionManager };

export interface BrokerConnectionOptions {
  /** amqp:// or amqps:// URL. */
  url: string;
  logger: Logger;
  /** Connection name shown in the management UI. */
  connectionName: string;
  /** @defaultValue 10 */
  heartbeatSeconds?: number;
  /** First reconnect delay; doubles (with jitter) up to `reconnectMaxMs`. @defaultValue 500 */
  reconnectInitialMs?: number;
  /** @defaultValue 15000 */
  reconnectMaxMs?: number;
  /** Injected for tests. @defaultValue Math.random */
  random?: () => number;
  /**
   * For `amqps://`: the PEM certificate(s) of the CA that signed the broker's certificate
   * (`AMQP_CA_FILE`), trusted instead of Node's bundled roots. The broker's certificate must name
   * the URL's host. @defaultValue Node's bundled roots
   */
  ca?: Buffer | undefined;
}

/** The URL with its password replaced, safe to log or print. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '<unparsable AMQP URL>';
  }
}

/** Exponential backoff with full jitter, in ms: attempt 1 waits up to `initialMs`. */
export function reconnectDelayMs(attempt: number, initialMs: number, maxMs: number, random: () => number): number {
  const ceiling = Math.min(maxMs, initialMs * 2 ** Math.max(0, attempt - 1));
  return Math.max(initialMs / 2, Math.round(ceiling * random()));
}

/**
 * One managed connection. amqp-connection-manager owns reconnection; amqplib's own recovery stays
 * off (we never pass its `recovery` option). acm reconnects after a fixed `reconnectTimeInSeconds`,
 * so we grow that value with jitter after each failed attempt and reset it once connected.
 */
export function connectBroker(options: BrokerConnectionOptions): AmqpConnectionManager {
  const initialMs = options.reconnectInitialMs ?? 500;
  const maxMs = options.reconnectMaxMs ?? 15_000;
  const random = options.random ?? Math.random;
  const manager = amqp.connect([options.url], {
    heartbeatIntervalInSeconds: options.heartbeatSeconds ?? 10,
    reconnectTimeInSeconds: initialMs / 1000,
    connectionOptions: {
      clientProperties: { connection_name: options.connectionName },
      // amqplib hands these to tls.connect for amqps:// (and sets servername to the URL's host).
      ...(options.ca === undefined ? {} : { ca: [options.ca] }),
    },
  });
  let failures = 0;
  const log = options.logger.child({ component: 'broker', broker: redactUrl(options.url) });
  manager.on('connect', () => {
    failures = 0;
    manager.reconnectTimeInSeconds = initialMs / 1000;
    log.info('connected to RabbitMQ');
  });
  manager.on('disconnect', ({ err }) => {
    manager.reconnectTimeInSeconds = reconnectDelayMs(++failures, initialMs, maxMs, random) / 1000;
    log.warn({ err, retry_in_ms: manager.reconnectTimeInSeconds * 1000 }, 'disconnected from RabbitMQ');
  });
  manager.on('connectFailed', ({ err }) => {
    manager.reconnectTimeInSeconds = reconnectDelayMs(++failures, initialMs, maxMs, random) / 1000;
    log.debug({ err, retry_in_ms: manager.reconnectTimeInSeconds * 1000 }, 'could not connect to RabbitMQ');
  });
  manager.on('blocked', ({ reason }) => log.warn({ reason }, 'RabbitMQ blocked publishing (resource alarm)'));
  manager.on('unblocked', () => log.info('RabbitMQ unblocked publishing'));
  return manager;
}

/** TLS verification failures: no retry fixes them, so waiting for the broker stops at the first. */
const CERTIFICATE_ERRORS: ReadonlySet<string> = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

function errorCode(err: unknown): string | undefined {
  const code: unknown = typeof err === 'object' && err !== null ? Reflect.get(err, 'code') : undefined;
  return typeof code === 'string' ? code : undefined;
}

function oneLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).replace(/\s+/g, ' ').trim();
}

/** The one line a process prints when the broker it was given cannot be used. */
export function brokerFailureMessage(url: string, timeoutMs: number, lastError: unknown): string {
  const where = redactUrl(url);
  const code = errorCode(lastError);
  if (code !== undefined && CERTIFICATE_ERRORS.has(code)) {
    return (
      `cannot connect to RabbitMQ at ${where}: its TLS certificate does not verify (${oneLine(lastError)}); ` +
      "set AMQP_CA_FILE to the PEM file of the CA that signed it, and make sure the certificate names the URL's host"
    );
  }
  if (code?.startsWith('ERR_SSL_') === true) {
    return `cannot connect to RabbitMQ at ${where}: the TLS handshake failed (${oneLine(lastError)}); is that port a TLS listener (amqps://, usually 5671)?`;
  }
  const message = lastError === undefined ? '' : oneLine(lastError);
  if (/\b403\b|ACCESS[-_]REFUSED/.test(message)) {
    return `RabbitMQ at ${where} refused the login (${message}): check the user and password in AMQP_URL`;
  }
  if (/\b530\b|NOT[-_]ALLOWED/.test(message)) {
    return `RabbitMQ at ${where} refused access to the virtual host (${message}): give the user permissions there, or fix AMQP_URL's vhost`;
  }
  return (
    `cannot reach RabbitMQ at ${where} within ${timeoutMs} ms${message === '' ? '' : ` (${message})`}: start one ` +
    '(`rabbitmq-server -detached`, or `docker run -d -p 5672:5672 rabbitmq:4-management`) ' +
    'or set AMQP_URL to a reachable broker'
  );
}

/**
 * Waits for the first connection, or fails with one line that says what is wrong and how to fix
 * it: no broker there, a certificate that does not verify (at once: no retry fixes it), a refused
 * login. Keeps the manager (so a caller that wants to keep trying can), the caller closes it on
 * failure.
 */
export async function waitForBroker(manager: AmqpConnectionManager, url: string, timeoutMs: number): Promise<void> {
  let lastError: unknown;
  let rejectNow: (err: unknown) => void = () => undefined;
  const certificateRejected = new Promise<never>((_resolve, reject) => {
    rejectNow = reject;
  });
  const onFailed = ({ err }: { err: Error }) => {
    lastError = err;
    const code = errorCode(err);
    if (code !== undefined && CERTIFICATE_ERRORS.has(code)) rejectNow(err);
  };
  let timer: NodeJS.Timeout | undefined;
  // Our own deadline, not acm's `connect({ timeout })`: its timer outlives an early failure and
  // would keep a process that ends by itself (the DLQ command) alive until it fires.
  const timedOut = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no connection within ${timeoutMs} ms`)), timeoutMs);
  });
  manager.on('connectFailed', onFailed);
  // acm's promise rejects on a refused login, possibly after we gave up: that is reported below.
  const connected = manager.connect();
  connected.catch(() => undefined);
  try {
    await Promise.race([connected, certificateRejected, timedOut]);
  } catch (err) {
    throw new BrokerUnreachableError(brokerFailureMessage(url, timeoutMs, lastError), { cause: lastError ?? err });
  } finally {
    clearTimeout(timer);
    manager.removeListener('connectFailed', onFailed);
  }
}

/**
 * `connectBroker`, then waits for the first connection: the start-up path of every process.
 * When none comes within `connectTimeoutMs` the manager is closed and BrokerUnreachableError
 * (one line that says how to get a broker) is thrown. `onConnectionChange` sees every change.
 */
export async function openBrokerConnection(
  options: BrokerConnectionOptions & { connectTimeoutMs: number; onConnectionChange?: (connected: boolean) => void },
): Promise<AmqpConnectionManager> {
  const manager = connectBroker(options);
  const onChange = options.onConnectionChange;
  if (onChange) {
    manager.on('connect', () => onChange(true));
    manager.on('disconnect', () => onChange(false));
  }
  try {
    await waitForBroker(manager, options.url, options.connectTimeoutMs);
  } catch (err) {
    await manager.close();
    throw err;
  }
  return manager;
}
