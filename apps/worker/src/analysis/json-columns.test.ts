import type { AnalysisResult } from '@offload/contracts';
import { frequencies, numericSummary } from '../../test/reference-stats';
import { column, createScratch, type Scratch } from '../../test/dataset-scratch';

const ndjson = (rows: readonly Record<string, unknown>[]) => rows.map((row) => JSON.stringify(row)).join('\n') + '\n';
/** One column `v` holding these JSON values, one per line. */
const values = (vs: readonly unknown[]) => ndjson(vs.map((v) => ({ v })));

// The same table as CSV text and as JSON values: every missing token, in a column of each type.
const HEADER = ['id', 'price', 'qty', 'ok', 'at', 'day', 'label'] as const;
const ROWS: readonly (readonly string[])[] = [
  ['1', '10.5', '3', 'true', '2024-01-01 10:00:00', '2024-01-01', 'b'],
  ['2', '', '1', 'false', 'NA', '2024-01-02', ''],
  ['3', '7.25', 'NA', 'N/A', '2024-01-01 10:00:00', 'null', 'c'],
  ['4', 'NaN', '4', 'true', '2024-01-03 00:00:00', '2024-01-03', 'None'],
  ['5', 'nan', 'NULL', 'false', '2024-01-02 11:30:00', '', 'b'],
  ['6', '3.5', '5', 'true', 'None', '2024-01-05', 'NULL'],
  ['7', '8', '', '', '2024-01-04 23:59:59', 'NaN', 'a'],
  ['8', 'null', '7', 'NA', '2024-01-01 10:00:00', '2024-01-01', 'nan'],
];
const MISSING = new Set(['', 'NA', 'N/A', 'NaN', 'nan', 'null', 'NULL', 'None']);
const NUMERIC = new Set<string>(['id', 'price', 'qty']);

/** A CSV cell as a JSON value: numbers and booleans as such, missing tokens and the rest as strings. */
function jsonValue(name: string, text: string): unknown {
  if (MISSING.has(text)) return text;
  if (NUMERIC.has(name)) return Number(text);
  if (name === 'ok') return text === 'true';
  return text;
}

describe('JSON columns typed by one rule with CSV', () => {
  let scratch: Scratch;

  beforeAll(async () => {
    scratch = await createScratch();
  });
  afterAll(() => scratch.remove());

  const profileNdjson = async (name: string, content: string): Promise<AnalysisResult> => scratch.profile(await scratch.write(name, content));

  it('profiles a table alike from CSV, from NDJSON and from a JSON array, missing tokens in JSON strings included', async () => {
    const csv = [HEADER, ...ROWS].map((r) => r.join(',')).join('\n') + '\n';
    const records = ROWS.map((r) => Object.fromEntries(HEADER.map((name, i) => [name, jsonValue(name, r[i] ?? '')])));
    const options = { histogramBins: 3, groupBy: 'label' };
    const fromCsv = await scratch.profile(await scratch.write('table.csv', csv), options);
    const fromNdjson = await scratch.profile(await scratch.write('table.ndjson', ndjson(records)), options);
    const fromJson = await scratch.profile(await scratch.write('table.json', JSON.stringify(records)), options);
    expect(fromCsv.columns.map((c) => [c.name, c.type, c.count, c.missing])).toEqual([
      ['id', 'integer', 8, 0],
      ['price', 'number', 4, 4],
      ['qty', 'integer', 5, 3],
      ['ok', 'boolean', 5, 3],
      ['at', 'timestamp', 6, 2],
      ['day', 'timestamp', 5, 3],
      ['label', 'string', 4, 4],
    ]);
    for (const result of [fromNdjson, fromJson]) {
      expect(result.columns).toEqual(fromCsv.columns);
      expect(result.correlation).toEqual(fromCsv.correlation);
      expect(result.group_by).toEqual(fromCsv.group_by);
    }
  });

  it('reads a JSON string that is a missing token exactly as a JSON null', async () => {
    const samples: unknown[][] = [
      [1, 3],
      [1.5, 2],
      [true, false],
      ['x', 'y'],
      ['42', '7'],
      ['2024-01-01', '2024-02-29'],
      ['2024-01-01 10:00:00', '2024-01-02 11:30:00.5'],
      ['2024-01-01T10:00:00Z', '2024-01-02T11:30:00Z'],
      ['2024-01-01T10:00:00', '2024-01-02T11:30:00'],
      ['01-02-2024', '03-04-2024'],
      [1, 'x'],
      [1, true],
    ];
    const tokens = [...MISSING];
    for (const [a, b] of samples) {
      // Column n has a null in the middle; column t<i> the i-th missing token instead.
      const rows = [a, null, b].map((v, row) => ({ n: v, ...Object.fromEntries(tokens.map((token, i) => [`t${i}`, row === 1 ? token : v])) }));
      const result = await profileNdjson('token.ndjson', ndjson(rows));
      const withNull = { ...column(result, 'n'), name: 'v' };
      tokens.forEach((token, i) => {
        expect({ values: [a, token, b], profile: { ...column(result, `t${i}`), name: 'v' } }).toEqual({ values: [a, token, b], profile: withNull });
      });
    }
  });

  it('types JSON strings of dates and times as CSV types the same fields', async () => {
    const texts = [
      ['2024-01-01', '2024-02-29'],
      ['2024-01-01 10:00:00', '2024-01-02 11:30:00.5'],
      ['2024-01-01T10:00:00', '2024-01-02T11:30'],
      ['2024-01-01T10:00:00Z', '2024-01-02T11:30:00.25Z'],
      ['2024-01-01T10:00:00+02:00', '2024-01-02T11:30:00-05:00'],
      ['01-02-2024', '03-04-2024'],
      ['2024-01-01', '2024-01-02 11:30:00'],
      ['2024-01-01', 'soon'],
    ];
    const names = texts.map((_, i) => `c${i}`);
    const csv = [names, ...[0, 1].map((row) => texts.map((pair) => pair[row] ?? ''))].map((r) => r.join(',')).join('\n') + '\n';
    const rows = [0, 1].map((row) => Object.fromEntries(texts.map((pair, i) => [`c${i}`, pair[row]])));
    const fromCsv = await scratch.profile(await scratch.write('times.csv', csv));
    const fromJson = await profileNdjson('times.ndjson', ndjson(rows));
    expect(fromJson.columns).toEqual(fromCsv.columns);
    expect(fromCsv.columns.map((c) => c.type)).toEqual(['timestamp', 'timestamp', 'timestamp', 'timestamp', 'timestamp', 'string', 'string', 'string']);
  });

  it('types [1, "NA", 3] as an integer column with one missing value', async () => {
    const profile = column(await profileNdjson('int-na.ndjson', values([1, 'NA', 3])), 'v');
    expect(profile).toMatchObject({ type: 'integer', ...numericSummary([1, null, 3], 10) });
  });

  it('reports the values of a mixed column as text, with ties going to the smallest text', async () => {
    const mixed = [1, 'two', 3.5, 'two', 1, false, null, 'NA'];
    const profile = column(await profileNdjson('mixed.ndjson', values(mixed)), 'v');
    const asText = ['1', 'two', '3.5', 'two', '1', 'false', null, null];
    expect(profile).toEqual({ name: 'v', type: 'string', count: 6, missing: 2, ...frequencies(asText) });
    expect(profile.top).toBe('1');
    expect(column(await profileNdjson('mixed-top.ndjson', values([1, 'two', 'two', 3.5])), 'v')).toMatchObject({ top: 'two', freq: 2 });
  });

  it('keeps a quoted number a string, as JSON typed it', async () => {
    expect(column(await profileNdjson('quoted.ndjson', values(['42', '7', '42'])), 'v')).toEqual({ name: 'v', type: 'string', count: 3, missing: 0, unique: 2, top: '42', freq: 2 });
    expect(column(await profileNdjson('quoted-mixed.ndjson', values([42, '42', 7])), 'v')).toMatchObject({ type: 'string', unique: 2, top: '42', freq: 2 });
  });

  it('reports nested values in a mixed column as their JSON text', async () => {
    const profile = column(await profileNdjson('nested.ndjson', values([1, { a: 1 }, [1, 2], { a: 1 }])), 'v');
    expect(profile).toMatchObject({ type: 'string', count: 4, unique: 3, top: '{"a":1}', freq: 2 });
  });

  it('reports a column of missing tokens only as a string column with every value missing', async () => {
    expect(column(await profileNdjson('all-missing.ndjson', values(['NA', null, '', 'None'])), 'v')).toEqual({
      name: 'v',
      type: 'string',
      count: 0,
      missing: 4,
      unique: 0,
      top: null,
      freq: 0,
    });
  });

  it('reads a NaN number literal (accepted by the engine, not by JSON) as missing, and Infinity as text as CSV does', async () => {
    const profile = column(await profileNdjson('nan.ndjson', '{"v":1.5}\n{"v":NaN}\n{"v":2.5}\n'), 'v');
    expect(profile).toMatchObject({ type: 'number', ...numericSummary([1.5, null, 2.5], 10) });
    const infinite = column(await profileNdjson('inf.ndjson', '{"v":1.5}\n{"v":Infinity}\n{"v":NaN}\n{"v":-Infinity}\n'), 'v');
    expect(infinite).toEqual({ name: 'v', type: 'string', count: 3, missing: 1, ...frequencies(['1.5', 'Infinity', null, '-Infinity']) });
    const mixed = column(await profileNdjson('inf-mixed.ndjson', '{"v":1}\n{"v":Infinity}\n{"v":NaN}\n{"v":"x"}\n'), 'v');
    expect(mixed).toEqual({ name: 'v', type: 'string', count: 3, missing: 1, ...frequencies(['1', 'Infinity', null, 'x']) });
  });

  it('groups by a mixed column by the text of its values', async () => {
    const rows = [
      { g: 1, x: 2 },
      { g: 'one', x: 4 },
      { g: 'NA', x: 6 },
      { g: 1, x: 8 },
    ];
    const result = await scratch.profile(await scratch.write('group.ndjson', ndjson(rows)), { groupBy: 'g' });
    expect(result.group_by?.groups).toEqual([
      { value: '1', count: 2, means: { x: 5 } },
      { value: 'one', count: 1, means: { x: 4 } },
      { value: null, count: 1, means: { x: 6 } },
    ]);
  });
});
