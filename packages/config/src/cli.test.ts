import { formatTable } from './cli';

describe('formatTable', () => {
  it('pads every column but the last to its widest cell', () => {
    expect(formatTable(['A', 'BB', 'C'], [['long', 'x', 'tail'], ['s', 'yyy', '']])).toBe(['A     BB   C', 'long  x    tail', 's     yyy'].join('\n'));
  });
});
