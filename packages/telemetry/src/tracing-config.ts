/** What the standard OTEL_* variables ask of tracing; pure, so each rule has a test. */
export type TracingSettings =
  | { enabled: false; reason: string }
  | { enabled: true; protocol: 'http/protobuf' | 'http/json'; serviceName: string; tracesUrl: string };

export class TracingConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TracingConfigError';
  }
}

type Env = Readonly<Record<string, string | undefined>>;

const set = (value: string | undefined): value is string => value !== undefined && value.trim() !== '';

/**
 * Tracing is on only when an OTLP endpoint is configured (OTEL_EXPORTER_OTLP_ENDPOINT or
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) or OTEL_TRACES_EXPORTER=otlp names the exporter (then the
 * SDK's default endpoint, http://localhost:4318); OTEL_TRACES_EXPORTER=none and
 * OTEL_SDK_DISABLED=true turn it off whatever else is set. Off means nothing is registered: the
 * API stays a no-op tracer and no module is patched.
 */
export function tracingSettings(env: Env, defaultServiceName: string): TracingSettings {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return { enabled: false, reason: 'OTEL_SDK_DISABLED=true' };
  const exporters = (env.OTEL_TRACES_EXPORTER ?? '')
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name !== '');
  if (exporters.includes('none')) return { enabled: false, reason: 'OTEL_TRACES_EXPORTER=none' };
  const unknown = exporters.filter((name) => name !== 'otlp');
  if (unknown.length > 0) throw new TracingConfigError(`OTEL_TRACES_EXPORTER=${unknown.join(',')} is not supported: use otlp (or none)`);
  const endpoint = set(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) || set(env.OTEL_EXPORTER_OTLP_ENDPOINT);
  if (!endpoint && exporters.length === 0) return { enabled: false, reason: 'no OTLP endpoint (OTEL_EXPORTER_OTLP_ENDPOINT) is configured' };
  const protocol = (env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? env.OTEL_EXPORTER_OTLP_PROTOCOL ?? 'http/protobuf').trim();
  if (protocol !== 'http/protobuf' && protocol !== 'http/json') {
    throw new TracingConfigError(`OTEL_EXPORTER_OTLP_PROTOCOL=${protocol} is not supported: use http/protobuf (the default) or http/json`);
  }
  const serviceName = set(env.OTEL_SERVICE_NAME) ? env.OTEL_SERVICE_NAME.trim() : defaultServiceName;
  return { enabled: true, protocol, serviceName, tracesUrl: tracesUrl(env) };
}

/** The spec's rule: the per-signal endpoint as given, else the base one with /v1/traces appended. */
function tracesUrl(env: Env): string {
  if (set(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT)) return env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT.trim();
  const base = set(env.OTEL_EXPORTER_OTLP_ENDPOINT) ? env.OTEL_EXPORTER_OTLP_ENDPOINT.trim() : 'http://localhost:4318';
  return `${base.replace(/\/+$/, '')}/v1/traces`;
}
