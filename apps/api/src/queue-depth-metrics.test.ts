import { buildTopology } from '@offload/contracts';
import type { QueueDepthReport, QueueDepths } from '@offload/broker';
import { createMetrics } from '@offload/telemetry';
import { depthSnapshot, exposeQueueDepths } from './queue-depth-metrics';

const topology = buildTopology('depth-metrics-test');

describe('exposeQueueDepths', () => {
  it('shows each type\'s normal and high queue and the dead letters, labelled by type and queue kind, never by queue name', async () => {
    const metrics = createMetrics('api');
    const report = (queues: readonly string[]): QueueDepthReport => ({
      source: 'management_api',
      queues: queues.map((queue) => ({ queue, ready: queue === topology.workQueues.analysis ? 5 : 0, unacked: queue === topology.deadLetterQueue ? 1 : 0 })),
    });
    const depths: QueueDepths = { read: (queues) => Promise.resolve(report(queues)) };
    exposeQueueDepths(metrics, depths, topology, 1_000);
    const text = await metrics.registry.metrics();
    expect(text).toContain('offload_queue_messages{task_type="analysis",queue="normal",state="ready",role="api"} 5');
    expect(text).toContain('offload_queue_messages{task_type="analysis",queue="high",state="unacked",role="api"} 0');
    expect(text).toContain('offload_dead_letter_messages{state="unacked",role="api"} 1');
    expect(text).not.toContain('depth-metrics-test');
  });
});

describe('depthSnapshot', () => {
  it('leaves unknown what the broker did not say (AMQP knows no unacked count)', () => {
    const snapshot = depthSnapshot({ source: 'amqp', queues: [{ queue: topology.workQueues.watermark, ready: 2, unacked: null }] }, topology);
    expect(snapshot.work).toContainEqual({ taskType: 'watermark', queue: 'normal', ready: 2, unacked: null });
    expect(snapshot.work).toContainEqual({ taskType: 'thumbnail', queue: 'high', ready: null, unacked: null });
    expect(snapshot.deadLetters).toEqual({ ready: null, unacked: null });
  });
});
