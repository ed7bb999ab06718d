import { writeFile } from 'node:fs/promises';
import { env as processEnv } from 'node:process';
import sharp from 'sharp';
import { TEST_AMQP_URL, deleteTestTopology, tempDataDir, uniquePrefix, waitUntil } from '@offload/test-support';
import { startOtlpReceiver, type ReceivedSpan } from './otlp-receiver';
import { API_ENTRY, WORKER_ENTRY, freePort, startNode, waitForHttp, type RunningProcess } from './processes';

const CLIENT_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const CLIENT_SPAN = '00f067aa0ba902b7';
const PRODUCER = 4;
const CONSUMER = 5;
const SERVER = 2;
const KINDS: Record<number, string> = { 1: 'INTERNAL', 2: 'SERVER', 3: 'CLIENT', 4: 'PRODUCER', 5: 'CONSUMER' };

/** The trace as an indented tree, one span a line: what the README and the notes show. */
function renderTrace(spans: readonly ReceivedSpan[]): string {
  const ids = new Set(spans.map((s) => s.spanId));
  const lines: string[] = [];
  const walk = (parent: string, depth: number) => {
    for (const span of spans.filter((s) => s.parentSpanId === parent || (depth === 0 && !ids.has(s.parentSpanId) && parent === ''))) {
      const keys = ['http.route', 'messaging.operation.type', 'messaging.destination.name', 'offload.task.attempt'].filter((k) => k in span.attributes);
      const attrs = keys.map((k) => `${k}=${String(span.attributes[k])}`).join(' ');
      const links = span.links.length > 0 ? ` links→${span.links.map((l) => l.spanId).join(',')}` : '';
      lines.push(`${'  '.repeat(depth)}${span.name} [${KINDS[span.kind] ?? span.kind}, ${span.service}] ${span.spanId}${links} ${attrs}`.trimEnd());
      walk(span.spanId, depth + 1);
    }
  };
  walk('', 0);
  return lines.join('\n');
}

/**
 * One upload through the built API and worker, both exporting over OTLP/HTTP (JSON) to a real
 * receiver: one trace, from the client's traceparent through the API's HTTP span and its send
 * span to the worker's process span and its stages.
 */
describe('traces, end to end', () => {
  const prefix = uniquePrefix();
  let dataDir: { path: string; remove: () => Promise<void> };
  let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
  let api: RunningProcess;
  let worker: RunningProcess;
  let base: string;
  const queue = `${prefix}.task.watermark`;

  beforeAll(async () => {
    dataDir = await tempDataDir('offload-traces');
    receiver = await startOtlpReceiver();
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const env = {
      AMQP_URL: TEST_AMQP_URL,
      QUEUE_PREFIX: prefix,
      DATA_DIR: dataDir.path,
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_BSP_SCHEDULE_DELAY: '100',
    };
    api = startNode(API_ENTRY, { ...env, LOG_LEVEL: 'info', PORT: String(port), HOST: '127.0.0.1', AUTH: 'off' });
    worker = startNode(WORKER_ENTRY, { ...env, LOG_LEVEL: 'info', WORKER_HTTP_PORT: '0', WORKER_TASK_TYPES: 'watermark' });
    await waitForHttp(`${base}/readyz`);
  });

  afterAll(async () => {
    await worker.stop();
    await api.stop();
    await receiver.close();
    await deleteTestTopology(prefix);
    await dataDir.remove();
  });

  it('relates the API’s HTTP and send spans and the worker’s process span and stages in one trace', async () => {
    const image = await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 10, g: 120, b: 200 } } }).png().toBuffer();
    const form = new FormData();
    form.append('image', new Blob([new Uint8Array(image)], { type: 'image/png' }), 'a.png');
    form.append('text', 'traced');
    const accepted = await fetch(`${base}/v1/images`, { method: 'POST', body: form, headers: { traceparent: `00-${CLIENT_TRACE}-${CLIENT_SPAN}-01` } });
    expect(accepted.status).toBe(202);
    const { id } = (await accepted.json()) as { id: string };

    const inTrace = (): ReceivedSpan[] => receiver.spans.filter((s) => s.traceId === CLIENT_TRACE);
    const one = (name: string, service: string): ReceivedSpan => {
      const found = inTrace().filter((s) => s.name === name && s.service === service);
      expect(found).toHaveLength(1);
      return found[0] as ReceivedSpan;
    };
    await waitUntil(() => inTrace().some((s) => s.service === 'offload-worker' && s.kind === CONSUMER) && inTrace().some((s) => s.kind === SERVER), {
      timeoutMs: 30_000,
      description: 'the worker’s process span and the API’s HTTP span at the receiver',
    });
    // The worker's stages end before its process span; give the batch a moment to send the rest.
    await waitUntil(() => inTrace().some((s) => s.name === `ack ${queue}`), { timeoutMs: 10_000, description: 'the ack span' });

    const http = inTrace().find((s) => s.kind === SERVER && s.service === 'offload-api');
    expect(http?.parentSpanId).toBe(CLIENT_SPAN);
    expect(http?.attributes).toMatchObject({ 'http.route': '/v1/images', 'offload.task.id': id });
    const send = one(`send ${prefix}.tasks`, 'offload-api');
    expect(send.kind).toBe(PRODUCER);
    expect(send.attributes).toMatchObject({
      'messaging.system': 'rabbitmq',
      'messaging.operation.type': 'send',
      'messaging.destination.name': `${prefix}.tasks:watermark`,
      'offload.task.id': id,
      'messaging.message.id': id,
    });
    // The send span sits under the HTTP server span (through express's request handler span).
    const byId = new Map(inTrace().map((s) => [s.spanId, s]));
    const ancestors = (span: ReceivedSpan): string[] => {
      const chain: string[] = [];
      for (let at = byId.get(span.parentSpanId); at !== undefined; at = byId.get(at.parentSpanId)) chain.push(at.spanId);
      return chain;
    };
    expect(ancestors(send)).toContain(http?.spanId);

    const process = inTrace().find((s) => s.kind === CONSUMER && s.name.startsWith('process '));
    expect(process?.service).toBe('offload-worker');
    expect(process?.name).toBe(`process ${queue}`);
    expect(process?.parentSpanId).toBe(send.spanId);
    expect(process?.links).toEqual([{ traceId: CLIENT_TRACE, spanId: send.spanId }]);
    expect(process?.attributes).toMatchObject({ 'messaging.operation.type': 'process', 'offload.task.id': id, 'offload.task.attempt': 1 });
    const children = inTrace().filter((s) => s.parentSpanId === process?.spanId);
    expect(new Set(children.map((s) => s.name))).toEqual(new Set(['record', 'read input', 'render', 'write output', `ack ${queue}`]));
    expect(children.find((s) => s.name.startsWith('ack '))?.attributes['messaging.operation.type']).toBe('settle');

    // OFFLOAD_TRACE_OUT: where to write the trace as this test captured it (for the notes).
    const traceOut = processEnv.OFFLOAD_TRACE_OUT;
    if (traceOut !== undefined) await writeFile(traceOut, `${renderTrace(inTrace())}\n`);

    // Every line the API (its request line) and the worker logged for this task carries the trace.
    for (const output of [api.output(), worker.output()]) {
      const lines = output
        .split('\n')
        .filter((l) => l.includes(id))
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(lines.length).toBeGreaterThan(0);
      for (const line of lines) expect(line).toMatchObject({ trace_id: CLIENT_TRACE, span_id: expect.stringMatching(/^[0-9a-f]{16}$/) as unknown });
    }
  });
});
