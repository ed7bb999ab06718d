import { startTracing, TracingConfigError } from '@offload/telemetry';

/**
 * main.ts's first import: starts OpenTelemetry (when an OTLP exporter is configured) before http
 * and pg load, so that their instrumentations can patch them; run-worker.ts's shutdown flushes it.
 * Besides main.ts, the only module with a side effect, and only this one.
 */
try {
  startTracing({ defaultServiceName: 'offload-worker', env: process.env });
} catch (err) {
  if (!(err instanceof TracingConfigError)) throw err;
  process.stderr.write(`offload-worker: ${err.message}\n`);
  process.exit(1);
}
