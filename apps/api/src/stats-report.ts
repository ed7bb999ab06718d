import { TASK_STATUSES, TASK_TYPES, type QueueStats, type StatsBody, type TaskStatus, type TaskType, type Topology } from '@offload/contracts';
import type { QueueDepth, QueueDepthReport } from '@offload/broker';
import type { TaskCounts } from '@offload/storage';

/** The queues GET /v1/stats reports on: each type's work queues (normal, high), then the dead-letter queue. */
export function statsQueues(topology: Topology): string[] {
  return [...TASK_TYPES.flatMap((t) => [topology.workQueues[t], topology.highWorkQueues[t]]), topology.deadLetterQueue];
}

export function statsBody(counts: TaskCounts, depths: QueueDepthReport, topology: Topology): StatsBody {
  const tasks = Object.fromEntries(TASK_TYPES.map((t) => [t, Object.fromEntries(TASK_STATUSES.map((s) => [s, 0]))])) as Record<TaskType, Record<TaskStatus, number>>;
  for (const { task_type, status, count } of counts) tasks[task_type][status] = count;
  const byName = new Map<string, QueueDepth>(depths.queues.map((d) => [d.queue, d]));
  const stats = (queue: string): QueueStats => ({ queue, ready: byName.get(queue)?.ready ?? null, unacked: byName.get(queue)?.unacked ?? null });
  const dead = stats(topology.deadLetterQueue);
  return {
    tasks,
    queues: {
      source: depths.source,
      work: Object.fromEntries(TASK_TYPES.map((t) => [t, { ...stats(topology.workQueues[t]), high: stats(topology.highWorkQueues[t]) }])) as Record<TaskType, QueueStats & { high: QueueStats }>,
      dead_letter: { ...dead, depth: dead.ready === null ? null : dead.ready + (dead.unacked ?? 0) },
    },
  };
}
