import { describe, expect, it } from '@jest/globals';
import type { HistoryBucket } from '@offload/contracts';
import { typeSeries } from './stats-view';

const bucket = (at: string, succeeded: number, failed: number): HistoryBucket => ({
  at,
  succeeded,
  failed,
  cancelled: 0,
  wait_p50_ms: 10,
  wait_p95_ms: 40,
  run_p50_ms: null,
  run_p95_ms: null,
});

describe('typeSeries', () => {
  it('turns buckets into per-minute rates and a failure ratio, empty buckets as gaps', () => {
    const series = typeSeries([bucket('2026-01-01T00:00:00Z', 9, 1), bucket('2026-01-01T00:02:00Z', 0, 0)], 120_000);
    expect(series.times).toEqual([1767225600, 1767225720]);
    expect(series.perMinute.succeeded).toEqual([4.5, 0]);
    expect(series.failureRate).toEqual([0.1, null]);
    expect(series.finished).toBe(10);
    expect(series.failed).toBe(1);
  });
});
