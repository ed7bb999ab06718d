import { isSpanContextValid, trace } from '@opentelemetry/api';
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
    mixin: traceIds,
    redact: { paths: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["idempotency-key"]'], censor: '[redacted]' },
  };
  return options.destination === undefined ? pino(settings) : pino(settings, options.destination);
}

/**
 * `trace_id` and `span_id` of the active span on every line logged inside one (an HTTP request,
 * a delivery's `process` span or one of its stages); nothing when there is none (tracing off).
 */
function traceIds(): Record<string, string> {
  const span = trace.getActiveSpan()?.spanContext();
  if (span === undefined || !isSpanContextValid(span)) return {};
  return { trace_id: span.traceId, span_id: span.spanId };
}
