import { describe, expect, it } from '@jest/globals';
import { correlationColour, heatmapWindow, histogramBars } from './analysis-view';
import { formatAgo, formatBytes, formatDuration } from './format';

describe('analysis view', () => {
  it('colours −1 blue, 0 white, +1 red and null grey', () => {
    expect(correlationColour(1)).toBe('rgb(200, 40, 40)');
    expect(correlationColour(-1)).toBe('rgb(40, 90, 200)');
    expect(correlationColour(0)).toBe('rgb(255, 255, 255)');
    expect(correlationColour(null)).toBe('rgb(200, 200, 200)');
    expect(correlationColour(7)).toBe(correlationColour(1));
  });

  it('scales histogram bars to the tallest, an empty one flat', () => {
    expect(histogramBars({ edges: [0, 1, 2, 3], counts: [2, 4, 0] }).map((b) => b.height)).toEqual([0.5, 1, 0]);
    expect(histogramBars({ edges: [0, 1], counts: [0] })[0]?.height).toBe(0);
  });

  it('cuts a large matrix to its top-left square and says so', () => {
    const columns = Array.from({ length: 5 }, (_, i) => `c${i}`);
    const matrix = columns.map((_, i) => columns.map((__, j) => (i === j ? 1 : null)));
    const window = heatmapWindow({ columns, matrix }, 3);
    expect(window.columns).toEqual(['c0', 'c1', 'c2']);
    expect(window.matrix).toEqual([[1, null, null], [null, 1, null], [null, null, 1]]);
    expect(window.truncated).toBe(true);
  });

  it('formats durations and sizes for people', () => {
    expect(formatDuration(850)).toBe('850 ms');
    expect(formatDuration(4_200)).toBe('4.2 s');
    expect(formatDuration(185_000)).toBe('3 min 5 s');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(512)).toBe('512 B');
    const now = Date.parse('2026-01-01T00:01:00Z');
    expect(formatAgo('2026-01-01T00:00:00Z', now)).toBe('1 min 0 s ago');
    expect(formatAgo('2026-01-01T00:01:00.185Z', now)).toBe('just now');
    expect(formatAgo('2026-01-01T01:01:00Z', now)).toBe('in 1 h 0 min');
  });
});
