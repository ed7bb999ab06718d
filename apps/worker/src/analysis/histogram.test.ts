import { binEdges } from './histogram';

describe('binEdges', () => {
  it('splits [min, max] into equal bins and ends exactly on max, as numpy.histogram', () => {
    // numpy.histogram([0, 10], bins=4)[1] → [0, 2.5, 5, 7.5, 10]
    expect(binEdges(0, 10, 4)).toEqual([0, 2.5, 5, 7.5, 10]);
  });

  it('computes each inner edge as min + i × width, as numpy.linspace does', () => {
    // numpy.linspace(0.1, 0.9, 11) → [0.1, 0.18, 0.26, 0.33999999999999997, 0.42000000000000004, 0.5, ...]
    const edges = binEdges(0.1, 0.9, 10);
    expect(edges).toHaveLength(11);
    expect(edges.slice(0, 6)).toEqual([0.1, 0.18, 0.26, 0.33999999999999997, 0.42000000000000004, 0.5]);
    expect(edges[10]).toBe(0.9);
  });

  it('keeps the last edge exactly max even when min + bins × width rounds away from it', () => {
    const edges = binEdges(1, 2, 3);
    expect(edges).toEqual([1, 1 + 1 / 3, 1 + 2 * (1 / 3), 2]);
    expect(edges[3]).toBe(2);
  });

  it('handles a negative range', () => {
    expect(binEdges(-4, -2, 2)).toEqual([-4, -3, -2]);
  });

  it('gives one bin with both edges when bins is 1', () => {
    expect(binEdges(3, 7, 1)).toEqual([3, 7]);
  });

  it('widens a constant column to [v − 0.5, v + 0.5], as numpy.histogram', () => {
    // numpy.histogram([5, 5], bins=2)[1] → [4.5, 5, 5.5]
    expect(binEdges(5, 5, 2)).toEqual([4.5, 5, 5.5]);
    expect(binEdges(0, 0, 4)).toEqual([-0.5, -0.25, 0, 0.25, 0.5]);
  });
});
