import type { AnalysisResult, ColumnProfile } from '@offload/contracts';
import { frequencies, mean, numericSummary, pearson, present } from '../../test/reference-stats';
import { column, createScratch, type Scratch } from '../../test/dataset-scratch';

// A small dataset with missing values (empty and NA), ties for `top`, and every column type.
const HEADER = ['id', 'price', 'qty', 'active', 'at', 'category', 'note'] as const;
const ROWS: readonly (readonly string[])[] = [
  ['1', '10.5', '3', 'true', '2024-01-01 10:00:00', 'b', 'x'],
  ['2', '', '1', 'false', '2024-01-02 11:30:00', 'a', ''],
  ['3', '7.25', 'NA', 'true', '2024-01-01 10:00:00', 'c', 'y'],
  ['4', '12', '4', 'true', '2024-01-03 00:00:00', 'a', 'x'],
  ['5', 'NA', '2', 'false', '2024-01-02 11:30:00', 'b', 'z'],
  ['6', '3.5', '5', 'true', '2024-01-05 08:15:00', 'c', 'y'],
  ['7', '8', '', 'false', '2024-01-04 23:59:59', 'b', ''],
  ['8', '15.75', '7', 'true', '2024-01-01 10:00:00', 'a', 'NA'],
  ['9', '1', '1', 'true', '2024-01-02 11:30:00', 'c', 'w'],
  ['10', '9.5', '6', 'false', '2024-01-06 12:00:00', 'd', 'x'],
  ['11', '-2.125', '4', 'false', '2023-12-31 23:00:00', 'd', 'y'],
];
const CSV = [HEADER, ...ROWS].map((r) => r.join(',')).join('\n') + '\n';
const NUMERIC = ['id', 'price', 'qty'] as const;

/** The reference's view of one column: missing for '' and NA, the rest as written. */
function cells(name: (typeof HEADER)[number]): (string | null)[] {
  const i = HEADER.indexOf(name);
  return ROWS.map((r) => r[i] ?? null).map((v) => (v === '' || v === 'NA' ? null : v));
}
const numbers = (name: (typeof HEADER)[number]) => cells(name).map((v) => (v === null ? null : Number(v)));
const isoText = (v: string | null) => (v === null ? null : v.replace(' ', 'T'));

function expectClose(actual: number | null | undefined, expected: number | null): void {
  if (expected === null) expect(actual).toBeNull();
  else expect(actual).toBeCloseTo(expected, 10);
}

function expectNumericColumn(profile: ColumnProfile, values: (number | null)[], bins: number): void {
  const ref = numericSummary(values, bins);
  expect({ count: profile.count, missing: profile.missing }).toEqual({ count: ref.count, missing: ref.missing });
  for (const stat of ['mean', 'std', 'min', 'p25', 'p50', 'p75', 'max'] as const) expectClose(profile[stat], ref[stat]);
  expect(profile.histogram?.counts).toEqual(ref.histogram?.counts);
  expect(profile.histogram?.edges).toHaveLength(bins + 1);
  profile.histogram?.edges.forEach((edge, i) => expectClose(edge, ref.histogram?.edges[i] ?? null));
}

describe('profileDataset on a small mixed dataset', () => {
  let scratch: Scratch;
  let path: string;
  let result: AnalysisResult;

  beforeAll(async () => {
    scratch = await createScratch();
    path = await scratch.write('mixed.csv', CSV);
    result = await scratch.profile(path, { histogramBins: 4, groupBy: 'category' });
  });
  afterAll(() => scratch.remove());

  it('reports the format, the rows and no failed rows', () => {
    expect({ format: result.format, row_count: result.row_count, rows_failed: result.rows_failed, approximate: result.approximate }).toEqual({
      format: 'csv',
      row_count: ROWS.length,
      rows_failed: 0,
      approximate: false,
    });
  });

  it('infers integer, number, boolean, timestamp and string column types in file order', () => {
    expect(result.columns.map((c) => [c.name, c.type])).toEqual([
      ['id', 'integer'],
      ['price', 'number'],
      ['qty', 'integer'],
      ['active', 'boolean'],
      ['at', 'timestamp'],
      ['category', 'string'],
      ['note', 'string'],
    ]);
  });

  it.each(NUMERIC)('matches the reference statistics and histogram of numeric column %s', (name) => {
    expectNumericColumn(column(result, name), numbers(name), 4);
  });

  it('counts a value on a bin edge in the upper bin (qty 4 on the edge 4 of [1, 7] in 4 bins)', () => {
    expect(column(result, 'qty').histogram).toEqual({ edges: [1, 2.5, 4, 5.5, 7], counts: [3, 1, 3, 2] });
  });

  it('reports a boolean column with unique, top and freq, the top as a boolean', () => {
    const ref = frequencies(cells('active'));
    expect(column(result, 'active')).toEqual({ name: 'active', type: 'boolean', count: ROWS.length, missing: 0, unique: ref.unique, top: ref.top === 'true', freq: ref.freq });
  });

  it('reports a timestamp column with its range and the earliest of tied most frequent values, as ISO 8601', () => {
    const values = cells('at').map(isoText);
    const ref = frequencies(values);
    const sorted = present(values).sort();
    expect(ref).toEqual({ unique: 7, top: '2024-01-01T10:00:00', freq: 3 }); // a tie with 2024-01-02T11:30:00
    expect(column(result, 'at')).toEqual({
      name: 'at',
      type: 'timestamp',
      count: ROWS.length,
      missing: 0,
      ...ref,
      first: sorted[0],
      last: sorted.at(-1),
    });
  });

  it.each(['category', 'note'] as const)('reports string column %s with missing values and ties broken by the smallest text', (name) => {
    const values = cells(name);
    const ref = frequencies(values);
    expect(column(result, name)).toEqual({ name, type: 'string', count: present(values).length, missing: values.length - present(values).length, ...ref });
  });

  it('breaks the three-way tie of category for a, the smallest', () => {
    expect(column(result, 'category')).toMatchObject({ top: 'a', freq: 3, unique: 4 });
  });

  it('matches the reference Pearson matrix over pairwise-complete rows', () => {
    expect(result.correlation.columns).toEqual([...NUMERIC]);
    NUMERIC.forEach((a, i) =>
      NUMERIC.forEach((b, j) => expectClose(result.correlation.matrix[i]?.[j], i === j ? 1 : pearson(numbers(a), numbers(b)))),
    );
  });

  it('matches the reference group counts and means, groups ordered by value', () => {
    const groupCells = cells('category');
    const values = [...new Set(present(groupCells))].sort();
    expect(result.group_by?.column).toBe('category');
    expect(result.group_by?.groups.map((g) => [g.value, g.count])).toEqual(values.map((v) => [v, groupCells.filter((c) => c === v).length]));
    for (const group of result.group_by?.groups ?? []) {
      expect(Object.keys(group.means)).toEqual([...NUMERIC]);
      for (const name of NUMERIC) {
        const inGroup = numbers(name).filter((_, row) => groupCells[row] === group.value);
        expectClose(group.means[name] ?? null, mean(present(inGroup)));
      }
    }
  });

  it('profiles only the columns asked for, in file order, and groups by a column outside them', async () => {
    const subset = await scratch.profile(path, { columns: ['category', 'qty'], groupBy: 'active', histogramBins: 3 });
    expect(subset.row_count).toBe(ROWS.length);
    expect(subset.columns.map((c) => c.name)).toEqual(['qty', 'category']);
    expectNumericColumn(column(subset, 'qty'), numbers('qty'), 3);
    expect(subset.correlation).toEqual({ columns: ['qty'], matrix: [[1]] });
    const active = cells('active');
    expect(subset.group_by).toEqual({
      column: 'active',
      groups: [false, true].map((value) => {
        const qty = present(numbers('qty').filter((_, row) => active[row] === String(value)));
        return { value, count: active.filter((a) => a === String(value)).length, means: { qty: mean(qty) } };
      }),
    });
  });

  it.each([1, 7, 25])('makes %i histogram bins that match the reference', async (bins) => {
    const profiled = await scratch.profile(path, { columns: ['price'], histogramBins: bins });
    expectNumericColumn(column(profiled, 'price'), numbers('price'), bins);
  });

  it('leaves nothing in the engine temp dir', async () => {
    expect(await scratch.engineLeftovers()).toEqual([]);
  });
});

describe('profileDataset statistics', () => {
  let scratch: Scratch;

  beforeAll(async () => {
    scratch = await createScratch();
  });
  afterAll(() => scratch.remove());

  it('puts values that sit on bin edges in the bins numpy.histogram puts them in', async () => {
    // numpy.linspace(0.1, 0.9, 11) has 0.33999999999999997 and 0.42000000000000004 as edges.
    const values = [0.1, 0.18, 0.26, 0.34, 0.33999999999999997, 0.42, 0.42000000000000004, 0.5, 0.58, 0.9];
    const path = await scratch.write('edges.csv', `x\n${values.join('\n')}\n`);
    const profiled = await scratch.profile(path, { histogramBins: 10 });
    expectNumericColumn(column(profiled, 'x'), values, 10);
    expect(column(profiled, 'x').histogram?.counts).toEqual([1, 1, 1, 3, 1, 1, 1, 0, 0, 1]);
  });

  it('gives a constant column the histogram range [v − 0.5, v + 0.5], a null std for one value and a null correlation', async () => {
    const path = await scratch.write('constant.csv', 'k,one\n5,1\n5,\n5,\n');
    const profiled = await scratch.profile(path, { histogramBins: 2 });
    expect(column(profiled, 'k')).toMatchObject({ mean: 5, std: 0, min: 5, p50: 5, max: 5, histogram: { edges: [4.5, 5, 5.5], counts: [0, 3] } });
    expect(column(profiled, 'one')).toMatchObject({ count: 1, missing: 2, mean: 1, std: null, p25: 1, p75: 1 });
    expect(profiled.correlation).toEqual({ columns: ['k', 'one'], matrix: [[null, null], [null, null]] });
  });

  it('gives the same quartiles and histograms whether a column repeats its values or not', async () => {
    // Repetitive columns are counted per distinct value, the others sorted: both must match the
    // reference (a 3000-row sample holds each repetitive value many times, `u` never twice).
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const rows = Array.from({ length: 3000 }, (_, i) => [Math.floor(next() * 40) - 7, (Math.floor(next() * 200) / 8).toFixed(3), i % 11 === 0 ? '' : String(next() * 1000), String(i * 1.5)]);
    const path = await scratch.write('repeats.csv', `r,d,u,s\n${rows.map((r) => r.join(',')).join('\n')}\n`);
    const profiled = await scratch.profile(path, { histogramBins: 13 });
    ['r', 'd', 'u', 's'].forEach((name, i) => expectNumericColumn(column(profiled, name), rows.map((r) => (r[i] === '' ? null : Number(r[i]))), 13));
  });

  it('types 0/1 as integer, yes/no and TRUE/False as boolean, and leading zeros or mixed values as string', async () => {
    const path = await scratch.write('types.csv', 'zo,yn,caps,mixed,zip,exp\n0,yes,TRUE,1,007,1e3\n1,no,False,x,010,2E-1\n');
    const profiled = await scratch.profile(path);
    expect(profiled.columns.map((c) => [c.name, c.type])).toEqual([
      ['zo', 'integer'],
      ['yn', 'boolean'],
      ['caps', 'boolean'],
      ['mixed', 'string'],
      ['zip', 'string'],
      ['exp', 'number'],
    ]);
    expect(column(profiled, 'exp')).toMatchObject({ min: 0.2, max: 1000 });
    expect(column(profiled, 'zip')).toMatchObject({ unique: 2, top: '007', freq: 1 });
  });

  it('reads column names that collide with the names its own queries use', async () => {
    const path = await scratch.write('names.csv', 'n,b,f,value,text,x\n3,1,p,2024-01-01 00:00:00,1,0.5\n3,2,p,2024-01-01 00:00:00,2,1\n5,2,q,2024-01-02 00:00:00,1,1.5\n');
    const profiled = await scratch.profile(path, { histogramBins: 2, groupBy: 'n' });
    expect(column(profiled, 'b')).toMatchObject({ type: 'integer', histogram: { edges: [1, 1.5, 2], counts: [1, 2] } });
    expect(column(profiled, 'f')).toMatchObject({ top: 'p', freq: 2 });
    expect(column(profiled, 'value')).toMatchObject({ type: 'timestamp', top: '2024-01-01T00:00:00', freq: 2 });
    expect(profiled.group_by?.groups.map((g) => [g.value, g.count, g.means.x])).toEqual([
      [3, 2, 0.75],
      [5, 1, 1.5],
    ]);
  });

  it('reports group values as numbers for an integer column and as ISO 8601 for a timestamp column, missing last', async () => {
    const path = await scratch.write('groups.csv', 'k,t,x\n2,2024-01-02 00:00:00,1\n1,2024-01-01 10:00:00,2\n,,4\n1,2024-01-01 10:00:00,3\n');
    const byK = await scratch.profile(path, { groupBy: 'k' });
    expect(byK.group_by?.groups).toEqual([
      { value: 1, count: 2, means: { k: 1, x: 2.5 } },
      { value: 2, count: 1, means: { k: 2, x: 1 } },
      { value: null, count: 1, means: { k: null, x: 4 } },
    ]);
    const byT = await scratch.profile(path, { groupBy: 't', columns: ['x'] });
    expect(byT.group_by?.groups.map((g) => g.value)).toEqual(['2024-01-01T10:00:00', '2024-01-02T00:00:00', null]);
  });
});
