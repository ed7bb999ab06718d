import { createServer, type Server } from 'node:http';
import type { Metrics } from '@offload/telemetry';

/** The worker's small HTTP port: `/livez`, `/readyz` and `/metrics`, for probes and Prometheus. */
export function createHealthServer(deps: { metrics: Metrics; checkReady: () => Promise<void> }): Server {
  return createServer((req, res) => {
    const send = (status: number, type: string, body: string) => {
      res.writeHead(status, { 'Content-Type': type }).end(body);
    };
    void (async () => {
      if (req.method !== 'GET') return send(405, 'text/plain', 'method not allowed\n');
      switch (req.url) {
        case '/livez':
          return send(200, 'application/json', '{"status":"alive"}');
        case '/readyz':
          try {
            await deps.checkReady();
            return send(200, 'application/json', '{"status":"ready"}');
          } catch (err) {
            return send(503, 'application/json', JSON.stringify({ status: 'not_ready', detail: err instanceof Error ? err.message : String(err) }));
          }
        case '/metrics':
          return send(200, deps.metrics.registry.contentType, await deps.metrics.registry.metrics());
        default:
          return send(404, 'text/plain', 'not found\n');
      }
    })().catch(() => send(500, 'text/plain', 'internal error\n'));
  });
}
