import type { ConsoleEvents, HistoryBucket } from '@offload/contracts';

/** The `stats` event of GET /v1/events: GET /v1/stats's body and the last hour. */
export type StatsEvent = ConsoleEvents['stats'];


/** One task type's chart data: times in seconds and one array per line. */
export interface TypeSeries {
  times: number[];
  perMinute: { succeeded: number[]; failed: number[] };
  failureRate: (number | null)[];
  wait: { p50: (number | null)[]; p95: (number | null)[] };
  run: { p50: (number | null)[]; p95: (number | null)[] };
  /** Totals over the window. */
  finished: number;
  failed: number;
}

/** A type's history as chart series: throughput per minute, failure ratio, wait and run percentiles. */
export function typeSeries(buckets: readonly HistoryBucket[], bucketMs: number): TypeSeries {
  const perMinute = (n: number) => (n * 60_000) / bucketMs;
  const finished = buckets.reduce((sum, b) => sum + b.succeeded + b.failed, 0);
  const failed = buckets.reduce((sum, b) => sum + b.failed, 0);
  return {
    times: buckets.map((b) => Date.parse(b.at) / 1_000),
    perMinute: { succeeded: buckets.map((b) => perMinute(b.succeeded)), failed: buckets.map((b) => perMinute(b.failed)) },
    failureRate: buckets.map((b) => (b.succeeded + b.failed === 0 ? null : b.failed / (b.succeeded + b.failed))),
    wait: { p50: buckets.map((b) => b.wait_p50_ms), p95: buckets.map((b) => b.wait_p95_ms) },
    run: { p50: buckets.map((b) => b.run_p50_ms), p95: buckets.map((b) => b.run_p95_ms) },
    finished,
    failed,
  };
}
