import { createHash, timingSafeEqual } from 'node:crypto';
import { Router } from 'express';
import type { Metrics } from '@offload/telemetry';
import { sendProblem } from '../problem';

export interface HealthDeps {
  /** Resolves when the process can serve (broker channel up, storage writable); throws why not. */
  checkReady: () => Promise<void>;
  registry: Metrics['registry'];
  /** Bearer token /metrics requires; without one it answers loopback callers only. */
  metricsToken?: string | undefined;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

function sameSecret(a: string, b: string): boolean {
  const left = createHash('sha256').update(a).digest();
  const right = createHash('sha256').update(b).digest();
  return timingSafeEqual(left, right);
}

/**
 * `/livez` (the process runs), `/readyz` (it can do its job now): open, for probes. `/metrics`
 * (Prometheus): behind its own token, not an API key, so a scraper holds no power over tasks.
 */
export function healthRoutes(deps: HealthDeps): Router {
  const router = Router();
  router.get('/livez', (_req, res) => {
    res.json({ status: 'alive' });
  });
  router.get('/readyz', async (_req, res) => {
    try {
      await deps.checkReady();
      res.json({ status: 'ready' });
    } catch (err) {
      sendProblem(res, 'broker_unavailable', `not ready: ${err instanceof Error ? err.message : String(err)}`, undefined, { 'Retry-After': '1' });
    }
  });
  router.get('/metrics', async (req, res) => {
    const token = deps.metricsToken;
    if (token === undefined) {
      if (!LOOPBACK.has(req.socket.remoteAddress ?? '')) {
        sendProblem(res, 'forbidden', '/metrics answers callers on this host only; set METRICS_TOKEN to scrape it from elsewhere');
        return;
      }
    } else {
      const sent = /^Bearer +(\S+) *$/i.exec(req.get('authorization') ?? '')?.[1];
      if (sent === undefined || !sameSecret(sent, token)) {
        sendProblem(res, 'unauthorized', '/metrics needs Authorization: Bearer <METRICS_TOKEN>', undefined, { 'WWW-Authenticate': 'Bearer realm="offload-metrics"' });
        return;
      }
    }
    res.type(deps.registry.contentType).send(await deps.registry.metrics());
  });
  return router;
}
