import { startTracing, TracingConfigError, type Tracing } from '@offload/telemetry';

/**
 * main.ts's first import: starts OpenTelemetry (when an OTLP exporter is configured) before
 * express, http and pg load, so that their instrumentations can patch them. Besides main.ts, the
 * only module with a side effect, and only this one.
 */
export const tracing: Tracing = start();

function start(): Tracing {
  try {
    return startTracing({ defaultServiceName: 'offload-api', env: process.env });
  } catch (err) {
    if (!(err instanceof TracingConfigError)) throw err;
    process.stderr.write(`offload-api: ${err.message}\n`);
    process.exit(1);
  }
}
