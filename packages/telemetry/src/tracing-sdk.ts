import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtobufExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { registerInstrumentations, type Instrumentation } from '@opentelemetry/instrumentation';
import { ExpressInstrumentation, ExpressLayerType } from '@opentelemetry/instrumentation-express';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider, type SpanProcessor } from '@opentelemetry/sdk-trace-node';

/** Health and metrics probes: polled all day, they would bury the traces that matter. */
const PROBE_PATHS = new Set(['/livez', '/readyz', '/metrics']);

export interface RegisteredSdk {
  shutdown(): Promise<void>;
}

/**
 * The SDK, registered globally: loaded only when tracing is on (tracing.ts requires this file
 * lazily), so a process with tracing off never loads it. The exporter sends to `tracesUrl` (from
 * the env given to startTracing) and reads OTEL_EXPORTER_OTLP_[TRACES_]HEADERS, _TIMEOUT; the batch processor OTEL_BSP_*; the
 * sampler OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG (default parentbased_always_on); the
 * resource OTEL_RESOURCE_ATTRIBUTES.
 */
export function registerSdk(serviceName: string, protocol: 'http/protobuf' | 'http/json', tracesUrl: string, spanProcessor?: SpanProcessor): RegisteredSdk {
  const resource = resourceFromAttributes({ 'service.name': serviceName }).merge(detectResources({ detectors: [envDetector] }));
  const processor = spanProcessor ?? new BatchSpanProcessor(protocol === 'http/json' ? new JsonExporter({ url: tracesUrl }) : new ProtobufExporter({ url: tracesUrl }));
  const provider = new NodeTracerProvider({ resource, spanProcessors: [processor] });
  // W3C trace context only: HTTP requests and AMQP headers carry traceparent and tracestate.
  provider.register({ propagator: new W3CTraceContextPropagator() });
  const unregister = registerInstrumentations({ tracerProvider: provider, instrumentations: offloadInstrumentations() });
  return {
    async shutdown() {
      unregister();
      await provider.shutdown();
    },
  };
}

/**
 * http (server spans, with the task id; client spans only inside a trace; probes ignored),
 * express (the route handler, which names http.route; not each middleware or router the request
 * passes: a dozen spans per request that said nothing), pg (queries inside
 * a trace only, so pollers start no traces). Not amqplib: the broker package makes the messaging
 * spans itself (messaging-spans.ts); amqplib's would double each publish and delivery, overwrite
 * our traceparent header with its own, end at the ack rather than the work, and use the obsolete
 * attribute names (messaging.destination, messaging.operation). Not ioredis: offload uses no Redis.
 */
function offloadInstrumentations(): Instrumentation[] {
  return [
    new HttpInstrumentation({
      ignoreIncomingRequestHook: (req) => PROBE_PATHS.has((req.url ?? '').split('?')[0] ?? ''),
      requireParentforOutgoingSpans: true,
      // The task a request created or read (the API sets res.locals.taskId), on its server span.
      applyCustomAttributesOnSpan: (span, _request, response) => {
        const locals: unknown = 'locals' in response ? response.locals : undefined;
        const taskId: unknown = typeof locals === 'object' && locals !== null && 'taskId' in locals ? locals.taskId : undefined;
        if (typeof taskId === 'string') span.setAttribute('offload.task.id', taskId);
      },
    }),
    new ExpressInstrumentation({ ignoreLayersType: [ExpressLayerType.MIDDLEWARE, ExpressLayerType.ROUTER] }),
    new PgInstrumentation({ requireParentSpan: true }),
  ];
}
