import { ROOT_CONTEXT, context, isSpanContextValid, trace, type Context, type TextMapGetter, type TextMapSetter } from '@opentelemetry/api';
import { randomBytes } from 'node:crypto';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { isTracing } from './tracing';

/**
 * W3C trace context (https://www.w3.org/TR/trace-context/) in message headers and HTTP requests,
 * through the OpenTelemetry W3C propagator, used directly so that it works with tracing off too.
 */
const w3c = new W3CTraceContextPropagator();

export type TraceHeaders = { traceparent?: string; tracestate?: string };
type Carrier = Readonly<Record<string, unknown>>;

const getter: TextMapGetter<Carrier> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => {
    const value = carrier[key];
    return typeof value === 'string' ? value : undefined;
  },
};
const setter: TextMapSetter<TraceHeaders> = {
  set: (carrier, key, value) => {
    if (key === 'traceparent' || key === 'tracestate') carrier[key] = value;
  },
};

/** The context a carrier's traceparent (and tracestate) names, over `base`; `base` when none is valid. */
export function extractTraceContext(carrier: Carrier, base: Context = ROOT_CONTEXT): Context {
  return w3c.extract(base, carrier, getter);
}

/** The traceparent (and tracestate) of the span active in `ctx`; empty when there is none. */
export function traceHeadersOf(ctx: Context): TraceHeaders {
  const headers: TraceHeaders = {};
  w3c.inject(ctx, headers, setter);
  return headers;
}

export function parseTraceparent(value: unknown): { traceId: string; parentId: string; flags: string } | undefined {
  if (typeof value !== 'string') return undefined;
  const span = trace.getSpanContext(extractTraceContext({ traceparent: value }));
  if (span === undefined || !isSpanContextValid(span)) return undefined;
  return { traceId: span.traceId, parentId: span.spanId, flags: span.traceFlags.toString(16).padStart(2, '0') };
}

/**
 * The traceparent to send downstream: a child span of the incoming one when it is valid,
 * otherwise undefined (with tracing off, offload does not start traces of its own).
 */
export function childTraceparent(incoming: unknown): string | undefined {
  if (typeof incoming !== 'string') return undefined;
  const parent = trace.getSpanContext(extractTraceContext({ traceparent: incoming }));
  if (parent === undefined || !isSpanContextValid(parent)) return undefined;
  return traceHeadersOf(trace.setSpanContext(ROOT_CONTEXT, { ...parent, spanId: randomBytes(8).toString('hex'), isRemote: false })).traceparent;
}

/**
 * The traceparent to store or send for work started here: the active span's when tracing is on
 * (the HTTP server span of a request), else a child of the client's `incoming` header.
 */
export function outgoingTraceparent(incoming: unknown): string | undefined {
  if (isTracing()) {
    const active = traceHeadersOf(context.active()).traceparent;
    if (active !== undefined) return active;
  }
  return childTraceparent(incoming);
}
