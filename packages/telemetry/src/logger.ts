import pino, { type DestinationStream, type Logger, type LevelWithSilent } from 'pino';

export type { Logger };

export interface LoggerOptions {
  /** Service name, bound on every line (`api`, `worker`). */
  name: string;
  /** @defaultValue 'info' */
  level?: LevelWithSilent;
  /** Where the lines go. @defaultValue stdout */
  destination?: DestinationStream;
}

/**
 * The root logger: JSON lines on stdout. Each request or delivery gets a child of it, with
 * binding names we choose (`task_id`, `task_type`, `attempt`), never a client's object spread in.
 */
export function createLogger(options: LoggerOptions): Logger {
  const settings: pino.LoggerOptions = {
    name: options.name,
    level: options.level ?? 'info',
    base: { service: options.name },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["idempotency-key"]'], censor: '[redacted]' },
  };
  return options.destination === undefined ? pino(settings) : pino(settings, options.destination);
}
