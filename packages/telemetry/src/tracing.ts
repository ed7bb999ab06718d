import { context, propagation, trace, type Tracer } from '@opentelemetry/api';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { tracingSettings, type TracingSettings } from './tracing-config';
import type * as TracingSdk from './tracing-sdk';

export const TRACER_NAME = 'offload';

export interface StartTracingOptions {
  /** OTEL_SERVICE_NAME wins over it. */
  defaultServiceName: string;
  env: Readonly<Record<string, string | undefined>>;
  /** Tests pass an in-memory exporter's processor. @defaultValue a batch processor over OTLP/HTTP */
  spanProcessor?: SpanProcessor;
}

export interface Tracing {
  readonly settings: TracingSettings;
  /** Flushes what is buffered and stops; a no-op when tracing is off. */
  shutdown(): Promise<void>;
}

let sdk: TracingSdk.RegisteredSdk | undefined;

/**
 * Starts the SDK when an exporter is configured (see tracingSettings); otherwise registers
 * nothing and loads no SDK module. Must run before express, http and pg are first required (the
 * entry points' instrument.ts). Throws TracingConfigError on an unsupported OTEL_* value.
 */
export function startTracing(options: StartTracingOptions): Tracing {
  const settings = tracingSettings(options.env, options.defaultServiceName);
  if (settings.enabled && sdk === undefined) {
    // Required here, not imported: with tracing off the SDK and its instrumentations never load.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { registerSdk } = require('./tracing-sdk') as typeof TracingSdk;
    sdk = registerSdk(settings.serviceName, settings.protocol, settings.tracesUrl, options.spanProcessor);
  }
  return { settings, shutdown: shutdownTracing };
}

/** True once startTracing registered the SDK: the callers' fast path when it is off. */
export function isTracing(): boolean {
  return sdk !== undefined;
}

export function offloadTracer(): Tracer {
  return trace.getTracer(TRACER_NAME);
}

/** Flushes and stops the SDK (idempotent); after it the API is a no-op again. */
export async function shutdownTracing(): Promise<void> {
  const current = sdk;
  if (current === undefined) return;
  sdk = undefined;
  await current.shutdown();
  trace.disable();
  propagation.disable();
  context.disable();
}
