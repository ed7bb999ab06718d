import { TASK_TYPES, type Topology } from '@offload/contracts';
import type { QueueDepthReport, QueueDepths } from '@offload/broker';
import { registerQueueDepthMetrics, type Metrics, type QueueDepthSnapshot } from '@offload/telemetry';
import { statsQueues } from './stats-report';

/** GET /v1/stats' queue depths as the gauges' snapshot: each type's normal and high queue, the dead letters. */
export function depthSnapshot(report: QueueDepthReport, topology: Topology): QueueDepthSnapshot {
  const byName = new Map(report.queues.map((d) => [d.queue, d]));
  const depth = (queue: string) => ({ ready: byName.get(queue)?.ready ?? null, unacked: byName.get(queue)?.unacked ?? null });
  return {
    work: TASK_TYPES.flatMap((taskType) => [
      { taskType, queue: 'normal' as const, ...depth(topology.workQueues[taskType]) },
      { taskType, queue: 'high' as const, ...depth(topology.highWorkQueues[taskType]) },
    ]),
    deadLetters: depth(topology.deadLetterQueue),
  };
}

/**
 * The API's `offload_queue_messages` and `offload_dead_letter_messages`, read from the broker when
 * Prometheus scrapes (the same reads as GET /v1/stats), never waiting longer than `timeoutMs`.
 */
export function exposeQueueDepths(metrics: Metrics, queueDepths: QueueDepths, topology: Topology, timeoutMs: number): void {
  const queues = statsQueues(topology);
  registerQueueDepthMetrics({ registry: metrics.registry, timeoutMs, read: async () => depthSnapshot(await queueDepths.read(queues), topology) });
}
