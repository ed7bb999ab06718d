import { openDeadLetterQueue } from '@offload/broker';
import { redriveDeadLetters } from '@offload/dead-letters';
import { shutdownTracing, startTracing } from '@offload/telemetry';
import { waitUntil } from '@offload/test-support';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { createWorkerHarness, type WorkerHarness } from './harness';
import { scriptedHandler, task } from './scripted-handler';

/**
 * The worker's spans with tracing on (the SDK's in-memory exporter, in this process): a retry's
 * process span links to the first attempt's, and a dead letter and its re-drive are on the trace.
 */
describe('worker traces', () => {
  const exporter = new InMemorySpanExporter();
  const script = scriptedHandler();
  let h: WorkerHarness;

  beforeAll(async () => {
    startTracing({ defaultServiceName: 'offload-worker-test', env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:1' }, spanProcessor: new SimpleSpanProcessor(exporter) });
    h = await createWorkerHarness({ handlers: { watermark: script.handler }, concurrency: 2, maxAttempts: 3 });
    await h.startWorker();
  });
  afterAll(async () => {
    await h.close();
    await shutdownTracing();
  });

  const spansOf = (id: string): ReadableSpan[] => exporter.getFinishedSpans().filter((s) => s.attributes['offload.task.id'] === id);
  const processSpans = (id: string) => spansOf(id).filter((s) => s.name.startsWith('process '));

  it('makes a new process span for a retry, under the retry’s send span and linked to the first attempt', async () => {
    const id = await h.submit(task('transient:1'));
    await h.waitForStatus(id, ['succeeded']);
    await waitUntil(() => processSpans(id).length === 2, { description: 'both process spans' });
    const [first, second] = processSpans(id) as [ReadableSpan, ReadableSpan];
    const sends = spansOf(id).filter((s) => s.name.startsWith('send '));
    expect(sends.map((s) => s.attributes['messaging.destination.name'])).toEqual([`${h.topology.taskExchange}:watermark`, expect.stringContaining(h.topology.delayEntryExchange) as unknown]);
    const retrySend = sends[1];
    expect(retrySend?.parentSpanContext?.spanId).toBe(first.spanContext().spanId);
    expect(second.parentSpanContext?.spanId).toBe(retrySend?.spanContext().spanId);
    expect(second.spanContext().traceId).toBe(first.spanContext().traceId);
    expect(second.links.map((l) => [l.attributes?.['offload.link'], l.context.spanId])).toEqual([
      ['creation', retrySend?.spanContext().spanId],
      ['first_attempt', first.spanContext().spanId],
    ]);
    expect(second.attributes['offload.task.attempt']).toBe(2);
  });

  it('records a dead letter on the process span and a re-drive on its send span, in the same trace', async () => {
    const id = await h.submit(task('broken'));
    await h.waitForStatus(id, ['failed']);
    await waitUntil(() => processSpans(id)[0], { description: 'the process span' });
    const failed = processSpans(id)[0] as ReadableSpan;
    expect(failed.events.map((e) => [e.name, e.attributes?.['offload.dead_letter.reason']])).toEqual([['offload.dead_letter', 'corrupt_image']]);

    script.repair();
    const reader = await openDeadLetterQueue({ manager: h.manager, queue: h.topology.deadLetterQueue });
    await redriveDeadLetters({ reader, publisher: h.publisher, records: h.storage.records, topology: h.topology }, { kind: 'ids', ids: [id] });
    await reader.close();
    await h.waitForStatus(id, ['succeeded']);
    await waitUntil(() => processSpans(id).length === 2, { description: 'the re-driven process span' });
    const redrive = spansOf(id).find((s) => s.events.some((e) => e.name === 'offload.redrive'));
    expect(redrive?.name).toBe(`send ${h.topology.taskExchange}`);
    expect(redrive?.spanContext().traceId).toBe(failed.spanContext().traceId);
    expect(processSpans(id)[1]?.parentSpanContext?.spanId).toBe(redrive?.spanContext().spanId);
  });
});
