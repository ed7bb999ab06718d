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
    connectionOptions: { clientProperties: { connection_name: options.connectionName } },
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

/**
 * Waits for the first connection, or fails with one line that says how to get a broker.
 * Keeps the manager (so a caller that wants to keep trying can), the caller closes it on failure.
 */
export async function waitForBroker(manager: AmqpConnectionManager, url: string, timeoutMs: number): Promise<void> {
  try {
    await manager.connect({ timeout: timeoutMs });
  } catch (err) {
    throw new BrokerUnreachableError(
      `cannot reach RabbitMQ at ${redactUrl(url)} within ${timeoutMs} ms: start one ` +
        '(`rabbitmq-server -detached`, or `docker run -d -p 5672:5672 rabbitmq:4-management`) ' +
        'or set AMQP_URL to a reachable broker',
      { cause: err },
    );
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
