import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import { pinoHttp } from 'pino-http';
import type { Logger } from '@offload/telemetry';

/** Probes and scrapes: answered many times a minute, never worth a line. */
const QUIET_PATHS = new Set(['/livez', '/readyz', '/metrics']);

/**
 * One line per request when it completes: method, path, status, time, the request id, the API
 * key's name and tenant, and the task id it created or read (set in `res.locals.taskId`). Headers
 * only at debug level, and then without credentials (the logger redacts them). `req.log` carries the request id on every line.
 */
export function requestLog(logger: Logger): RequestHandler {
  const withHeaders = logger.isLevelEnabled('debug');
  return pinoHttp({
    logger,
    genReqId: (req, res) => {
      const incoming = req.headers['x-request-id'];
      const id = typeof incoming === 'string' && /^[\w.:-]{1,128}$/.test(incoming) ? incoming : randomUUID();
      res.setHeader('X-Request-Id', id);
      return id;
    },
    customAttributeKeys: { reqId: 'request_id', responseTime: 'duration_ms' },
    quietReqLogger: true,
    autoLogging: { ignore: (req) => QUIET_PATHS.has(req.url ?? '') },
    serializers: {
      req: (req: { method: string; url: string; headers: Record<string, unknown> }) =>
        withHeaders ? { method: req.method, url: req.url, headers: req.headers } : { method: req.method, url: req.url },
      res: (res: { statusCode: number; headers: Record<string, unknown> }) => (withHeaders ? { status: res.statusCode, headers: res.headers } : { status: res.statusCode }),
    },
    customProps: (_req, res) => {
      const locals = (res as { locals?: Record<string, unknown> }).locals ?? {};
      const props: Record<string, string> = {};
      for (const [local, prop] of [['taskId', 'task_id'], ['apiKey', 'api_key'], ['tenant', 'tenant']] as const) {
        const value = locals[local];
        if (typeof value === 'string') props[prop] = value;
      }
      return props;
    },
    // A client's mistake is not the server's trouble: 4xx at info, 5xx at error.
    customLogLevel: (_req, res, err) => (err !== undefined || res.statusCode >= 500 ? 'error' : 'info'),
    customSuccessMessage: (req, res) => `${req.method ?? ''} ${req.url ?? ''} ${res.statusCode}`,
    customErrorMessage: (req, res) => `${req.method ?? ''} ${req.url ?? ''} ${res.statusCode}`,
  });
}
