import { SpanKind, SpanStatusCode, context, isSpanContextValid, trace, type Attributes, type Context, type Link, type Span } from '@opentelemetry/api';
import { extractTraceContext, traceHeadersOf, type TraceHeaders } from './trace';
import { isTracing, offloadTracer } from './tracing';

/** Messaging semantic conventions (v1.3x, incubating names) and offload's own attributes. */
export const SPAN_ATTRIBUTES = {
  system: 'messaging.system',
  operationType: 'messaging.operation.type',
  operationName: 'messaging.operation.name',
  destination: 'messaging.destination.name',
  routingKey: 'messaging.rabbitmq.destination.routing_key',
  messageId: 'messaging.message.id',
  bodySize: 'messaging.message.body.size',
  taskId: 'offload.task.id',
  taskType: 'offload.task.type',
  attempt: 'offload.task.attempt',
} as const;

/**
 * Carries the traceparent of a task's first `process` span on its retries, so that each later
 * attempt's `process` span links to it.
 */
export const FIRST_ATTEMPT_HEADER = 'offload-first-attempt';

export interface SendSpanInput {
  exchange: string;
  routingKey: string;
  messageId: string;
  type: string;
  bodySize: number;
  headers: Readonly<Record<string, unknown>>;
  /** An event on the span: what this publish means for the task (`offload.redrive`). */
  event?: string | undefined;
}

/**
 * A PRODUCER `send <exchange>` span, for one publish. Its parent is the context the message's
 * traceparent names (work continued: a scheduled task, a retry, a re-drive), else the active one;
 * an active span that is not the parent is linked. Returns the headers to publish (the span's
 * traceparent in place of the one given), or undefined when tracing is off.
 */
export function startSendSpan(input: SendSpanInput): { span: Span; headers: TraceHeaders } | undefined {
  if (!isTracing()) return undefined;
  const active = context.active();
  const carried = typeof input.headers.traceparent === 'string' ? extractTraceContext(input.headers, active) : undefined;
  const parent = carried ?? active;
  const parentSpan = trace.getSpanContext(parent);
  const activeSpan = trace.getSpanContext(active);
  const links: Link[] = activeSpan !== undefined && isSpanContextValid(activeSpan) && activeSpan.spanId !== parentSpan?.spanId ? [{ context: activeSpan }] : [];
  const span = offloadTracer().startSpan(
    `send ${input.exchange}`,
    {
      kind: SpanKind.PRODUCER,
      links,
      attributes: {
        [SPAN_ATTRIBUTES.system]: 'rabbitmq',
        [SPAN_ATTRIBUTES.operationType]: 'send',
        [SPAN_ATTRIBUTES.operationName]: 'publish',
        [SPAN_ATTRIBUTES.destination]: `${input.exchange}:${input.routingKey}`,
        [SPAN_ATTRIBUTES.routingKey]: input.routingKey,
        [SPAN_ATTRIBUTES.messageId]: input.messageId,
        [SPAN_ATTRIBUTES.bodySize]: input.bodySize,
        [SPAN_ATTRIBUTES.taskId]: input.messageId,
        [SPAN_ATTRIBUTES.taskType]: input.type,
      },
    },
    parent,
  );
  if (input.event !== undefined) span.addEvent(input.event, { [SPAN_ATTRIBUTES.taskId]: input.messageId });
  return { span, headers: traceHeadersOf(trace.setSpan(parent, span)) };
}

export interface ProcessSpanInput {
  queue: string;
  messageId: string | undefined;
  type: string | undefined;
  bodySize: number;
  headers: Readonly<Record<string, unknown>>;
  deliveryCount: number;
}

/**
 * Runs `fn` inside a CONSUMER `process <queue>` span: a child of the message's creation context
 * (its `send` span), linked to it, and to the first attempt's `process` span on a retry. Just
 * `fn()` when tracing is off.
 */
export async function inProcessSpan<T>(input: ProcessSpanInput, fn: (span: Span | undefined) => Promise<T>): Promise<T> {
  if (!isTracing()) return fn(undefined);
  const creation = extractTraceContext(input.headers);
  const links: Link[] = [];
  const sent = trace.getSpanContext(creation);
  if (sent !== undefined) links.push({ context: sent, attributes: { 'offload.link': 'creation' } });
  const first = trace.getSpanContext(extractTraceContext({ traceparent: input.headers[FIRST_ATTEMPT_HEADER] }));
  if (first !== undefined) links.push({ context: first, attributes: { 'offload.link': 'first_attempt' } });
  const attributes: Attributes = {
    [SPAN_ATTRIBUTES.system]: 'rabbitmq',
    [SPAN_ATTRIBUTES.operationType]: 'process',
    [SPAN_ATTRIBUTES.operationName]: 'process',
    [SPAN_ATTRIBUTES.destination]: input.queue,
    [SPAN_ATTRIBUTES.bodySize]: input.bodySize,
    'messaging.rabbitmq.message.delivery_count': input.deliveryCount,
  };
  if (input.messageId !== undefined) {
    attributes[SPAN_ATTRIBUTES.messageId] = input.messageId;
    attributes[SPAN_ATTRIBUTES.taskId] = input.messageId;
  }
  if (input.type !== undefined) attributes[SPAN_ATTRIBUTES.taskType] = input.type;
  const span = offloadTracer().startSpan(`process ${input.queue}`, { kind: SpanKind.CONSUMER, links, attributes }, creation);
  return runEnding(span, trace.setSpan(creation, span), () => fn(span));
}

/**
 * Runs `fn` in an INTERNAL child span of the active one (a handler's stage: `read input`,
 * `render`, `query`, `write output`, `record`). Just `fn()` when tracing is off or no span is active.
 */
export async function inStageSpan<T>(name: string, attributes: Attributes, fn: () => Promise<T>): Promise<T> {
  if (!isTracing()) return fn();
  const active = context.active();
  if (trace.getSpan(active) === undefined) return fn();
  const span = offloadTracer().startSpan(name, { kind: SpanKind.INTERNAL, attributes }, active);
  return runEnding(span, trace.setSpan(active, span), fn);
}

/** A `settle` span (ack, nack, reject) around a settlement call: it is synchronous on the channel. */
export function inSettleSpan<T>(queue: string, operation: 'ack' | 'nack' | 'reject', fn: () => T, taskId?: string): T {
  if (!isTracing()) return fn();
  const active = context.active();
  if (trace.getSpan(active) === undefined) return fn();
  const attributes: Attributes = {
    [SPAN_ATTRIBUTES.system]: 'rabbitmq',
    [SPAN_ATTRIBUTES.operationType]: 'settle',
    [SPAN_ATTRIBUTES.operationName]: operation,
    [SPAN_ATTRIBUTES.destination]: queue,
  };
  if (taskId !== undefined) attributes[SPAN_ATTRIBUTES.taskId] = taskId;
  const span = offloadTracer().startSpan(`${operation} ${queue}`, { kind: SpanKind.CONSUMER, attributes }, active);
  try {
    return fn();
  } finally {
    span.end();
  }
}

/** Adds an event (a dead letter, a re-drive) to the active span, when there is one. */
export function traceEvent(name: string, attributes: Attributes): void {
  if (!isTracing()) return;
  trace.getActiveSpan()?.addEvent(name, attributes);
}

/** The active span's traceparent, when tracing is on and a span is active (FIRST_ATTEMPT_HEADER's value). */
export function activeTraceparent(): string | undefined {
  if (!isTracing()) return undefined;
  return traceHeadersOf(context.active()).traceparent;
}

async function runEnding<T>(span: Span, ctx: Context, fn: () => Promise<T>): Promise<T> {
  try {
    return await context.with(ctx, fn);
  } catch (err) {
    span.recordException(err instanceof Error ? err : String(err));
    span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
    throw err;
  } finally {
    span.end();
  }
}

/** Ends a `send` span from the publish's outcome. */
export function endSendSpan(span: Span, err?: unknown): void {
  if (err !== undefined) {
    span.recordException(err instanceof Error ? err : String(err));
    span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
  }
  span.end();
}

/** Sets attributes on the active span (the attempt, once the message is decoded), when there is one. */
export function annotateActiveSpan(attributes: Attributes): void {
  if (!isTracing()) return;
  trace.getActiveSpan()?.setAttributes(attributes);
}
