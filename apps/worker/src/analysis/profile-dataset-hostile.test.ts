import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AnalysisResult } from '@offload/contracts';
import { column, createScratch, type Scratch } from '../../test/dataset-scratch';

// Datasets whose column names and values are SQL aimed at the engine: each must come back as
// data (a column name, a value) and do nothing. The targets sit in a directory of the test's own,
// so "no file created" is checked where the attack would have written.
describe('profileDataset on a dataset that holds SQL', () => {
  let scratch: Scratch;
  let trap: string;
  let names: { readFile: string; attach: string; copy: string; install: string; drop: string };
  let csv: AnalysisResult;
  let json: AnalysisResult;

  beforeAll(async () => {
    scratch = await createScratch();
    trap = await mkdtemp(join(tmpdir(), 'offload-trap-'));
    names = {
      readFile: "read_csv('/etc/passwd')",
      attach: `'); ATTACH '${join(trap, 'x.db')}' AS x; --`,
      copy: `COPY (SELECT 1) TO '${join(trap, 'pwned.csv')}'`,
      install: 'INSTALL httpfs',
      drop: '"; DROP TABLE t; --',
    };
    // String columns hold the attacks as values (the first the most frequent, so it is `top`);
    // numeric columns put the names into every aggregate, quantile, histogram and correlation.
    const values = [names.readFile, names.readFile, names.attach, names.copy, names.install, names.drop];
    const rows = values.map((value, i) => ({
      [names.readFile]: value,
      [names.attach]: i + 1,
      [names.copy]: values[(i + 2) % values.length] ?? '',
      [names.install]: (i + 1) * 2.5,
      [names.drop]: values[(i + 3) % values.length] ?? '',
    }));
    const header = Object.keys(rows[0] ?? {});
    const quote = (field: unknown) => `"${String(field).replaceAll('"', '""')}"`;
    const text = [header, ...rows.map((r) => header.map((h) => r[h]))].map((r) => r.map(quote).join(',')).join('\n') + '\n';
    // A quoted number is still a number to the CSV reader; JSON keeps its own types.
    const options = { histogramBins: 3, groupBy: names.readFile, columns: header };
    csv = await scratch.profile(await scratch.write('hostile.csv', text), options);
    json = await scratch.profile(await scratch.write('hostile.json', JSON.stringify(rows)), options);
  });
  afterAll(async () => {
    await scratch.remove();
    await rm(trap, { recursive: true, force: true });
  });

  const each = () => [
    ['CSV', csv],
    ['JSON', json],
  ] as const;

  it('reports every name as a column, in the file order', () => {
    for (const [, result] of each()) {
      expect(result.columns.map((c) => c.name)).toEqual([names.readFile, names.attach, names.copy, names.install, names.drop]);
      expect(result.row_count).toBe(6);
      expect(result.rows_failed).toBe(0);
    }
  });

  it('reports the SQL in the values as values', () => {
    for (const [, result] of each()) {
      expect(column(result, names.readFile)).toMatchObject({ type: 'string', count: 6, unique: 5, top: names.readFile, freq: 2 });
      expect(column(result, names.copy)).toMatchObject({ type: 'string', count: 6, unique: 5 });
      expect(column(result, names.drop)).toMatchObject({ type: 'string', count: 6, unique: 5 });
    }
  });

  it('computes the statistics of numeric columns whose names are SQL', () => {
    for (const [, result] of each()) {
      expect(column(result, names.attach)).toMatchObject({ type: 'integer', count: 6, mean: 3.5, min: 1, max: 6, p50: 3.5 });
      expect(column(result, names.install)).toMatchObject({ type: 'number', count: 6, mean: 8.75, min: 2.5, max: 15 });
      expect(column(result, names.install).histogram?.counts).toEqual([2, 2, 2]);
      expect(result.correlation.columns).toEqual([names.attach, names.install]);
      expect(result.correlation.matrix[0]?.[1]).toBeCloseTo(1, 10);
    }
  });

  it('groups by a column whose name is SQL, the groups named by the SQL it holds', () => {
    for (const [, result] of each()) {
      expect(result.group_by?.column).toBe(names.readFile);
      const groups = result.group_by?.groups ?? [];
      expect(groups.map((g) => g.value).sort()).toEqual([names.readFile, names.attach, names.copy, names.install, names.drop].sort());
      expect(groups.find((g) => g.value === names.readFile)).toMatchObject({ count: 2, means: { [names.attach]: 1.5, [names.install]: 3.75 } });
    }
  });

  // A NUL would end the statement's C string inside the quoted name: the engine then fails to
  // parse it, which would read as a retryable failure instead of the data's fault.
  it('refuses a JSON column name with a NUL character as invalid_dataset', async () => {
    const failure = scratch.profile(await scratch.write('nul.json', JSON.stringify([{ 'a\u0000"; DROP TABLE t; --': 1 }])));
    await expect(failure).rejects.toMatchObject({ code: 'invalid_dataset', retryable: false, message: expect.stringContaining('has a column name with a NUL character') });
  });

  it('refuses a CSV with a NUL character as invalid_dataset (not text)', async () => {
    await expect(scratch.profile(await scratch.write('nul.csv', '"a\u0000b"\n1\n'))).rejects.toMatchObject({ code: 'invalid_dataset', retryable: false });
  });

  it('runs none of it: no file created, nothing of /etc/passwd read, the engine left nothing behind', async () => {
    expect(existsSync(join(trap, 'x.db'))).toBe(false);
    expect(existsSync(join(trap, 'pwned.csv'))).toBe(false);
    for (const [, result] of each()) expect(JSON.stringify(result)).not.toMatch(/root:/);
    expect(await scratch.engineLeftovers()).toEqual([]);
  });
});
