/** Reports larger than this are summarised first and loaded in full only when asked. */
export const FULL_REPORT_AUTO_BYTES = 2 * 1024 * 1024;
/** Columns drawn per page of the columns table. */
export const COLUMNS_PER_PAGE = 50;
/** The heat map draws at most this many columns a side until asked for all. */
export const HEATMAP_MAX = 40;

/**
 * A diverging colour for a correlation coefficient: blue for −1, near-white for 0, red for +1,
 * grey for null (a constant column). Lightness stays high enough for dark text on it.
 */
export function correlationColour(r: number | null): string {
  if (r === null || !Number.isFinite(r)) return 'rgb(200, 200, 200)';
  const t = Math.max(-1, Math.min(1, r));
  const fade = (channel: number) => Math.round(255 - (255 - channel) * Math.abs(t));
  return t >= 0 ? `rgb(${fade(200)}, ${fade(40)}, ${fade(40)})` : `rgb(${fade(40)}, ${fade(90)}, ${fade(200)})`;
}

/** The bars of a histogram, as fractions of the tallest (0–1), with each bin's range. */
export function histogramBars(histogram: { edges: readonly number[]; counts: readonly number[] }): { from: number; to: number; count: number; height: number }[] {
  const max = Math.max(0, ...histogram.counts);
  return histogram.counts.map((count, i) => ({
    from: histogram.edges[i] ?? Number.NaN,
    to: histogram.edges[i + 1] ?? Number.NaN,
    count,
    height: max === 0 ? 0 : count / max,
  }));
}

/** The square part of a correlation matrix the heat map draws: the first `max` columns. */
export function heatmapWindow(correlation: { columns: readonly string[]; matrix: readonly (readonly (number | null)[])[] }, max: number): { columns: string[]; matrix: (number | null)[][]; truncated: boolean } {
  const n = Math.min(correlation.columns.length, max);
  return {
    columns: correlation.columns.slice(0, n),
    matrix: correlation.matrix.slice(0, n).map((row) => row.slice(0, n).map((v) => v ?? null)),
    truncated: correlation.columns.length > n,
  };
}
