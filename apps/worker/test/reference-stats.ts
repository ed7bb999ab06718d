// A second, deliberately plain implementation of the statistics the analysis reports, written
// from the definitions pandas and numpy document, for the profiler's tests to check against.
// Nothing here is shared with the engine-backed code in src/analysis.

/** The values that are present, in order. */
export function present<T>(values: readonly (T | null)[]): T[] {
  return values.filter((v): v is T => v !== null);
}

export function mean(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

/** Sample standard deviation (n − 1), as pandas' Series.std(); null below two values. */
export function sampleStd(values: readonly number[]): number | null {
  const m = mean(values);
  if (m === null || values.length < 2) return null;
  let squares = 0;
  for (const v of values) squares += (v - m) ** 2;
  return Math.sqrt(squares / (values.length - 1));
}

/** numpy.quantile(values, q) with its default method, 'linear': h = (n − 1)q between order statistics. */
export function quantile(values: readonly number[], q: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const h = (sorted.length - 1) * q;
  const below = Math.floor(h);
  const lower = sorted[below] ?? Number.NaN;
  const upper = sorted[Math.min(below + 1, sorted.length - 1)] ?? Number.NaN;
  return lower + (h - below) * (upper - lower);
}

/**
 * numpy.histogram(values, bins): edges from numpy.linspace over [min, max] (or [v − 0.5, v + 0.5]
 * for a constant), and each value in the bin whose edges hold it: [e_i, e_i+1), the last closed.
 */
export function histogram(values: readonly number[], bins: number): { edges: number[]; counts: number[] } | null {
  if (values.length === 0) return null;
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  if (lo === hi) {
    lo -= 0.5;
    hi += 0.5;
  }
  const step = (hi - lo) / bins;
  const edges: number[] = [];
  for (let i = 0; i < bins; i++) edges.push(i * step + lo);
  edges.push(hi);
  const counts = new Array<number>(bins).fill(0);
  for (const v of values) {
    let bin = bins - 1;
    for (let i = 0; i < bins; i++) {
      if (v >= (edges[i] ?? Number.NaN) && v < (edges[i + 1] ?? Number.NaN)) {
        bin = i;
        break;
      }
    }
    counts[bin] = (counts[bin] ?? 0) + 1;
  }
  return { edges, counts };
}

/** Pearson's r over the rows where both values are present (pandas' DataFrame.corr()); null without variance. */
export function pearson(a: readonly (number | null)[], b: readonly (number | null)[]): number | null {
  const pairs: [number, number][] = [];
  a.forEach((x, i) => {
    const y = b[i];
    if (x !== null && y !== null && y !== undefined) pairs.push([x, y]);
  });
  if (pairs.length < 2) return null;
  const mx = pairs.reduce((s, [x]) => s + x, 0) / pairs.length;
  const my = pairs.reduce((s, [, y]) => s + y, 0) / pairs.length;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (const [x, y] of pairs) {
    sxy += (x - mx) * (y - my);
    sxx += (x - mx) ** 2;
    syy += (y - my) ** 2;
  }
  if (sxx === 0 || syy === 0) return null;
  return sxy / Math.sqrt(sxx * syy);
}

/** Distinct present values, the most frequent one (ties: the smallest as text) and its frequency. */
export function frequencies(values: readonly (string | null)[]): { unique: number; top: string | null; freq: number } {
  const counts = new Map<string, number>();
  for (const v of present(values)) counts.set(v, (counts.get(v) ?? 0) + 1);
  let top: string | null = null;
  let freq = 0;
  for (const [value, n] of counts) {
    if (n > freq || (n === freq && top !== null && value < top)) {
      top = value;
      freq = n;
    }
  }
  return { unique: counts.size, top, freq };
}

/** The numeric summary the profiler reports for an integer or number column. */
export function numericSummary(values: readonly (number | null)[], bins: number) {
  const xs = present(values);
  return {
    count: xs.length,
    missing: values.length - xs.length,
    mean: mean(xs),
    std: sampleStd(xs),
    min: xs.length === 0 ? null : Math.min(...xs),
    p25: quantile(xs, 0.25),
    p50: quantile(xs, 0.5),
    p75: quantile(xs, 0.75),
    max: xs.length === 0 ? null : Math.max(...xs),
    histogram: histogram(xs, bins),
  };
}
