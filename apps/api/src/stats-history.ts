import { TASK_TYPES, type HistoryBody, type HistoryBucket, type TaskType } from '@offload/contracts';
import type { FinishedTimes, TaskHistory } from '@offload/storage';

/** The value at fraction `q` of sorted `values` (nearest rank), or null for none. */
export function percentile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank] ?? null;
}

function sortedTimes(sample: readonly FinishedTimes[], pick: (t: FinishedTimes) => number | undefined): number[] {
  return sample.map(pick).filter((v): v is number => v !== undefined).sort((a, b) => a - b);
}

/**
 * The history's wire body: exact counts per bucket (from the database's GROUP BY) and wait and
 * run percentiles per bucket from the sampled tasks.
 */
export function historyBody(history: TaskHistory, request: { sinceMs: number; bucketMs: number; nowMs: number; sampleMax: number }): HistoryBody {
  const { bucketMs } = request;
  const first = Math.floor(request.sinceMs / bucketMs) * bucketMs;
  const count = Math.max(1, Math.floor((request.nowMs - first) / bucketMs) + 1);
  const index = (ms: number) => Math.floor((ms - first) / bucketMs);
  const types = {} as Record<TaskType, { buckets: HistoryBucket[] }>;
  for (const taskType of TASK_TYPES) {
    const buckets = Array.from({ length: count }, (_, i): HistoryBucket => ({
      at: new Date(first + i * bucketMs).toISOString(),
      succeeded: 0,
      failed: 0,
      cancelled: 0,
      wait_p50_ms: null,
      wait_p95_ms: null,
      run_p50_ms: null,
      run_p95_ms: null,
    }));
    for (const row of history.counts) {
      const bucket = buckets[index(row.bucket)];
      if (row.task_type !== taskType || bucket === undefined) continue;
      if (row.status === 'succeeded' || row.status === 'failed' || row.status === 'cancelled') bucket[row.status] += row.count;
    }
    const bySlot = new Map<number, FinishedTimes[]>();
    for (const times of history.sample) {
      if (times.task_type !== taskType) continue;
      const slot = index(times.finished_ms);
      const list = bySlot.get(slot);
      if (list === undefined) bySlot.set(slot, [times]);
      else list.push(times);
    }
    for (const [slot, sample] of bySlot) {
      const bucket = buckets[slot];
      if (bucket === undefined) continue;
      const waits = sortedTimes(sample, (t) => t.wait_ms);
      const runs = sortedTimes(sample, (t) => t.run_ms);
      bucket.wait_p50_ms = percentile(waits, 0.5);
      bucket.wait_p95_ms = percentile(waits, 0.95);
      bucket.run_p50_ms = percentile(runs, 0.5);
      bucket.run_p95_ms = percentile(runs, 0.95);
    }
    types[taskType] = { buckets };
  }
  return {
    since: new Date(first).toISOString(),
    bucket_ms: bucketMs,
    sampled: history.sample.length,
    sample_partial: history.sample.length >= request.sampleMax,
    types,
  };
}
