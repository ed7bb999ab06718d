import { describe, expect, it } from '@jest/globals';
import { TASK_STATUSES, buildTopology } from '@offload/contracts';
import type { QueueDepthReport } from '@offload/broker';
import { statsBody, statsQueues } from './stats-report';

const topology = buildTopology('stats-unit');
const depths = (source: QueueDepthReport['source'], ready: number | null, unacked: number | null): QueueDepthReport => ({
  source,
  queues: statsQueues(topology).map((queue) => ({ queue, ready, unacked })),
});

describe('statsBody', () => {
  it('fills every type and status, zeros included', () => {
    const body = statsBody([{ task_type: 'analysis', status: 'failed', count: 4 }], depths('management_api', 0, 0), topology);

    expect(body.tasks.analysis).toEqual({ ...Object.fromEntries(TASK_STATUSES.map((s) => [s, 0])), failed: 4 });
    expect(Object.values(body.tasks.watermark).every((n) => n === 0)).toBe(true);
  });

  it.each([
    ['management_api', 2, 3, 5],
    ['amqp', 2, null, 2],
    ['unavailable', null, null, null],
  ] as const)('gives the dead-letter depth from %s numbers', (source, ready, unacked, depth) => {
    expect(statsBody([], depths(source, ready, unacked), topology).queues.dead_letter).toEqual({ queue: topology.deadLetterQueue, ready, unacked, depth });
  });
});
