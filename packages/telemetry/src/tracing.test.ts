import { Writable } from 'node:stream';
import { SpanKind, context, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { createLogger } from './logger';
import { FIRST_ATTEMPT_HEADER, SPAN_ATTRIBUTES, activeTraceparent, inProcessSpan, inSettleSpan, inStageSpan, startSendSpan, endSendSpan, traceEvent } from './messaging-spans';
import { extractTraceContext, outgoingTraceparent, parseTraceparent } from './trace';
import { isTracing, shutdownTracing, startTracing } from './tracing';
import { tracingSettings } from './tracing-config';

const TASK_ID = '0f8fad5b-d9cb-469f-a165-70867728950e';
const CLIENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('tracingSettings', () => {
  it.each([
    ['nothing set', {}],
    ['an exporter of none', { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_TRACES_EXPORTER: 'none' }],
    ['OTEL_SDK_DISABLED=true', { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SDK_DISABLED: 'true' }],
    ['an empty endpoint', { OTEL_EXPORTER_OTLP_ENDPOINT: ' ' }],
  ])('is off with %s', (_what, env) => {
    expect(tracingSettings(env, 'offload-api').enabled).toBe(false);
  });

  it('is on with an endpoint, protobuf by default, under the default service name', () => {
    expect(tracingSettings({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' }, 'offload-api')).toEqual({
      enabled: true,
      protocol: 'http/protobuf',
      serviceName: 'offload-api',
      tracesUrl: 'http://collector:4318/v1/traces',
    });
  });

  it('is on with OTEL_TRACES_EXPORTER=otlp alone, and takes the protocol and OTEL_SERVICE_NAME given', () => {
    expect(tracingSettings({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_SERVICE_NAME: 'thumbs' }, 'offload-worker')).toEqual({
      enabled: true,
      protocol: 'http/json',
      serviceName: 'thumbs',
      tracesUrl: 'http://localhost:4318/v1/traces',
    });
    expect(tracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }, 'x')).toMatchObject({ tracesUrl: 'http://collector:4318/v1/traces' });
  });

  it('refuses an exporter or protocol it does not ship, naming the variable', () => {
    expect(() => tracingSettings({ OTEL_TRACES_EXPORTER: 'zipkin' }, 'x')).toThrow(/OTEL_TRACES_EXPORTER=zipkin/);
    expect(() => tracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4317', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }, 'x')).toThrow(/OTEL_EXPORTER_OTLP_PROTOCOL=grpc/);
  });
});

describe('with tracing off', () => {
  it('registers nothing, makes no spans and keeps a client traceparent as a child', async () => {
    startTracing({ defaultServiceName: 'offload-api', env: {} });
    expect(isTracing()).toBe(false);
    expect(startSendSpan({ exchange: 'offload.tasks', routingKey: 'watermark', messageId: TASK_ID, type: 'watermark', bodySize: 2, headers: {} })).toBeUndefined();
    await expect(inProcessSpan({ queue: 'q', messageId: TASK_ID, type: 'watermark', bodySize: 2, headers: {}, deliveryCount: 0 }, async (span) => span)).resolves.toBeUndefined();
    expect(activeTraceparent()).toBeUndefined();
    expect(parseTraceparent(outgoingTraceparent(CLIENT))?.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
  });
});

describe('with tracing on (in-memory exporter)', () => {
  const exporter = new InMemorySpanExporter();
  beforeAll(() => {
    startTracing({ defaultServiceName: 'offload-test', env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:1' }, spanProcessor: new SimpleSpanProcessor(exporter) });
  });
  afterEach(() => exporter.reset());
  afterAll(() => shutdownTracing());

  const named = (name: string): ReadableSpan => {
    const span = exporter.getFinishedSpans().find((s) => s.name === name);
    if (span === undefined) throw new Error(`no span ${name} among ${exporter.getFinishedSpans().map((s) => s.name).join(', ')}`);
    return span;
  };

  async function sendThenProcess(headers: Record<string, string>): Promise<Record<string, string>> {
    const sent = startSendSpan({ exchange: 'offload.tasks', routingKey: 'watermark', messageId: TASK_ID, type: 'watermark', bodySize: 42, headers });
    if (sent === undefined) throw new Error('tracing is on');
    endSendSpan(sent.span);
    const wire: Record<string, string> = { ...headers, ...sent.headers };
    await inProcessSpan({ queue: 'offload.watermark', messageId: TASK_ID, type: 'watermark', bodySize: 42, headers: wire, deliveryCount: 0 }, async () => {
      await inStageSpan('read input', {}, async () => undefined);
      inSettleSpan('offload.watermark', 'ack', () => true);
    });
    return wire;
  }

  it('relates a PRODUCER send span and a CONSUMER process span (child and link) with the stages under it', async () => {
    const wire = await sendThenProcess({ traceparent: CLIENT });
    const send = named('send offload.tasks');
    const process = named('process offload.watermark');
    expect(send.kind).toBe(SpanKind.PRODUCER);
    expect(send.spanContext().traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(send.parentSpanContext?.spanId).toBe('00f067aa0ba902b7');
    expect(send.attributes).toMatchObject({
      [SPAN_ATTRIBUTES.system]: 'rabbitmq',
      [SPAN_ATTRIBUTES.operationType]: 'send',
      [SPAN_ATTRIBUTES.destination]: 'offload.tasks:watermark',
      [SPAN_ATTRIBUTES.taskId]: TASK_ID,
      [SPAN_ATTRIBUTES.messageId]: TASK_ID,
    });
    expect(parseTraceparent(wire.traceparent)?.parentId).toBe(send.spanContext().spanId);
    expect(process.kind).toBe(SpanKind.CONSUMER);
    expect(process.parentSpanContext?.spanId).toBe(send.spanContext().spanId);
    expect(process.links.map((l) => l.context.spanId)).toEqual([send.spanContext().spanId]);
    expect(process.attributes).toMatchObject({ [SPAN_ATTRIBUTES.operationType]: 'process', [SPAN_ATTRIBUTES.taskId]: TASK_ID });
    const stage = named('read input');
    const ack = named('ack offload.watermark');
    expect(stage.parentSpanContext?.spanId).toBe(process.spanContext().spanId);
    expect(ack.parentSpanContext?.spanId).toBe(process.spanContext().spanId);
    expect(ack.attributes[SPAN_ATTRIBUTES.operationType]).toBe('settle');
  });

  it('links a retry’s process span to the first attempt’s', async () => {
    let first = '';
    await inProcessSpan({ queue: 'offload.watermark', messageId: TASK_ID, type: 'watermark', bodySize: 1, headers: {}, deliveryCount: 0 }, async () => {
      first = activeTraceparent() ?? '';
    });
    await sendThenProcess({ traceparent: first, [FIRST_ATTEMPT_HEADER]: first });
    const retry = exporter.getFinishedSpans().filter((s) => s.name === 'process offload.watermark')[1];
    expect(retry?.links.map((l) => l.context.spanId)).toContain(parseTraceparent(first)?.parentId);
  });

  it('puts a dead letter and a re-drive on the trace as events', async () => {
    await inProcessSpan({ queue: 'offload.watermark', messageId: TASK_ID, type: 'watermark', bodySize: 1, headers: {}, deliveryCount: 0 }, async () => {
      traceEvent('offload.dead_letter', { 'offload.dead_letter.reason': 'corrupt_image' });
    });
    const sent = startSendSpan({ exchange: 'offload.tasks', routingKey: 'watermark', messageId: TASK_ID, type: 'watermark', bodySize: 1, headers: {}, event: 'offload.redrive' });
    if (sent !== undefined) endSendSpan(sent.span);
    expect(named('process offload.watermark').events.map((e) => e.name)).toEqual(['offload.dead_letter']);
    expect(named('send offload.tasks').events.map((e) => e.name)).toEqual(['offload.redrive']);
  });

  it('logs trace_id and span_id inside a span, and neither outside one', () => {
    const lines: Record<string, unknown>[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        done();
      },
    });
    const log = createLogger({ name: 'test', destination });
    const span = trace.getTracer('test').startSpan('work', {}, extractTraceContext({ traceparent: CLIENT }));
    context.with(trace.setSpan(context.active(), span), () => log.info('inside'));
    span.end();
    log.info('outside');
    expect(lines[0]).toMatchObject({ trace_id: '4bf92f3577b34da6a3ce929d0e0e4736', span_id: span.spanContext().spanId });
    expect(lines[1]).not.toHaveProperty('trace_id');
  });
});
