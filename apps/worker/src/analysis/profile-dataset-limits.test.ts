import { createScratch, type Scratch } from '../../test/dataset-scratch';

/** A CSV with `columns` integer columns c0, c1, … and `rows` rows. */
function wideCsv(columns: number, rows: number): string {
  const header = Array.from({ length: columns }, (_, i) => `c${i}`).join(',');
  const lines = Array.from({ length: rows }, (_, r) => Array.from({ length: columns }, (_, c) => String(r * c)).join(','));
  return [header, ...lines].join('\n') + '\n';
}

describe('profileDataset limits and cancellation', () => {
  let scratch: Scratch;

  beforeAll(async () => {
    scratch = await createScratch();
  });
  afterAll(() => scratch.remove());

  it('refuses a single-line CSV with a million columns with limit_exceeded, before the engine opens', async () => {
    const path = await scratch.write('million.csv', `${'x,'.repeat(999_999)}x`);
    await expect(scratch.profile(path)).rejects.toMatchObject({
      name: 'PermanentTaskError',
      code: 'limit_exceeded',
      message: expect.stringContaining('1000000 columns'),
    });
    expect(await scratch.engineLeftovers()).toEqual([]);
  });

  it('refuses an NDJSON file whose first object has more keys than maxColumns', async () => {
    const wide = JSON.stringify(Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, i])));
    await expect(scratch.profile(await scratch.write('wide.ndjson', `${wide}\n`))).rejects.toMatchObject({ code: 'limit_exceeded' });
  });

  it('refuses with limit_exceeded when later NDJSON lines bring the columns past maxColumns', async () => {
    const later = JSON.stringify(Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`k${i}`, i])));
    await expect(scratch.profile(await scratch.write('later.ndjson', `{"a":1}\n${later}\n`))).rejects.toMatchObject({
      code: 'limit_exceeded',
      message: expect.stringContaining('61 columns'),
    });
  });

  it('profiles exactly maxColumns columns', async () => {
    const result = await scratch.profile(await scratch.write('fifty.csv', wideCsv(50, 2)), { columns: ['c1', 'c2'] }, { limits: { maxCorrelationColumns: 2 } });
    expect(result.columns.map((c) => c.name)).toEqual(['c1', 'c2']);
  });

  it('fails with invalid_dataset naming an unknown column in columns', async () => {
    const path = await scratch.write('small.csv', 'a,b\n1,2\n');
    await expect(scratch.profile(path, { columns: ['a', 'nope'] })).rejects.toMatchObject({
      name: 'PermanentTaskError',
      code: 'invalid_dataset',
      message: expect.stringContaining('"nope"'),
    });
  });

  it('fails with invalid_dataset naming an unknown group_by column', async () => {
    const path = await scratch.write('small.csv', 'a,b\n1,2\n');
    await expect(scratch.profile(path, { groupBy: 'category' })).rejects.toMatchObject({ code: 'invalid_dataset', message: expect.stringContaining('"category"') });
  });

  describe('maxGroups', () => {
    const groups = (n: number) => `g,x\n${Array.from({ length: n }, (_, i) => `g${i},${i}`).join('\n')}\n`;

    it('groups into exactly maxGroups groups', async () => {
      const result = await scratch.profile(await scratch.write('20.csv', groups(20)), { groupBy: 'g' });
      expect(result.group_by?.groups).toHaveLength(20);
    });

    it('refuses one group more than maxGroups with limit_exceeded', async () => {
      await expect(scratch.profile(await scratch.write('21.csv', groups(21)), { groupBy: 'g' })).rejects.toMatchObject({
        name: 'PermanentTaskError',
        code: 'limit_exceeded',
        message: expect.stringContaining('more than 20 groups'),
      });
    });

    it('counts missing values as a group of their own', async () => {
      await expect(scratch.profile(await scratch.write('20-and-null.csv', `${groups(20)},99\n`), { groupBy: 'g' })).rejects.toMatchObject({ code: 'limit_exceeded' });
    });
  });

  describe('maxCorrelationColumns', () => {
    it('refuses more numeric columns than maxCorrelationColumns with limit_exceeded', async () => {
      await expect(scratch.profile(await scratch.write('11.csv', wideCsv(11, 3)))).rejects.toMatchObject({
        code: 'limit_exceeded',
        message: expect.stringContaining('11 numeric columns'),
      });
    });

    it('takes the same dataset when columns picks few enough', async () => {
      const path = await scratch.write('11-picked.csv', wideCsv(11, 3));
      const result = await scratch.profile(path, { columns: ['c0', 'c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7', 'c8', 'c9'] });
      expect(result.correlation.columns).toHaveLength(10);
    });
  });

  describe('an abort signal', () => {
    let path: string;

    beforeAll(async () => {
      path = await scratch.write('abort.csv', wideCsv(5, 100));
    });

    it('rejects with the abort reason when aborted before the profile starts', async () => {
      const controller = new AbortController();
      const reason = new Error('released on shutdown');
      controller.abort(reason);
      await expect(scratch.profile(path, {}, { signal: controller.signal })).rejects.toBe(reason);
      expect(await scratch.engineLeftovers()).toEqual([]);
    });

    it('rejects with the abort reason when aborted while the profile runs', async () => {
      const controller = new AbortController();
      const reason = new Error('time limit');
      const seen: number[] = [];
      const run = scratch.profile(path, {}, {
        signal: controller.signal,
        progress: (fraction) => {
          seen.push(fraction);
          // After the load and before the first column: the engine session is open.
          controller.abort(reason);
        },
      });
      await expect(run).rejects.toBe(reason);
      expect(seen).toEqual([1 / 7]);
      expect(await scratch.engineLeftovers()).toEqual([]);
    });

    it('reports progress strictly increasing and below 1 when not aborted', async () => {
      const seen: number[] = [];
      await scratch.profile(path, {}, { progress: (fraction) => seen.push(fraction) });
      expect(seen).toEqual([1, 2, 3, 4, 5, 6].map((step) => step / 7));
    });
  });
});
