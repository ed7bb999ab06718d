import { percentile } from './process-stats';

/** Wall-clock milliseconds with sub-millisecond resolution, comparable across processes on one machine. */
export function epochMs(): number {
  return performance.timeOrigin + performance.now();
}

/** The median and spread of one figure over several runs. */
export interface Spread {
  median: number;
  min: number;
  max: number;
  runs: number[];
}

export function spread(values: readonly number[]): Spread {
  const finite = values.filter((v) => Number.isFinite(v));
  if (finite.length === 0) return { median: NaN, min: NaN, max: NaN, runs: [...values] };
  return { median: percentile(finite, 0.5), min: finite.reduce((a, b) => Math.min(a, b)), max: finite.reduce((a, b) => Math.max(a, b)), runs: [...values] };
}

/**
 * Ratio of paired runs (run i of one side against run i of the other, measured back to back), so
 * a drift of the shared machine during the suite hits both sides of each pair alike.
 */
export function pairedRatio(numerator: readonly number[], denominator: readonly number[]): Spread {
  const n = Math.min(numerator.length, denominator.length);
  return spread(Array.from({ length: n }, (_, i) => (numerator[i] ?? NaN) / (denominator[i] ?? NaN)));
}

/** Latency percentiles of one run, in ms. */
export interface Latency {
  p50: number;
  p99: number;
  max: number;
  n: number;
}

export function latency(samplesMs: readonly number[]): Latency {
  return {
    p50: percentile(samplesMs, 0.5),
    p99: percentile(samplesMs, 0.99),
    max: samplesMs.reduce((a, b) => Math.max(a, b), -Infinity),
    n: samplesMs.length,
  };
}
