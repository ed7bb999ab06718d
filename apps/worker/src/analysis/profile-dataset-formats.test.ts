import { column, createScratch, type Scratch } from '../../test/dataset-scratch';

const EMPTY_CORRELATION = { columns: [], matrix: [] };

describe('profileDataset on every format and on awkward input', () => {
  let scratch: Scratch;

  beforeAll(async () => {
    scratch = await createScratch();
  });
  afterAll(() => scratch.remove());

  it('reports 0 rows and 0 columns for an empty file', async () => {
    const result = await scratch.profile(await scratch.write('empty.csv', ''));
    expect(result).toEqual({ format: 'csv', row_count: 0, rows_failed: 0, columns: [], correlation: EMPTY_CORRELATION, group_by: null, approximate: false });
  });

  it('reports each column with count 0 for a header without rows', async () => {
    const result = await scratch.profile(await scratch.write('header.csv', 'a,b,c\n'));
    expect(result.row_count).toBe(0);
    expect(result.columns).toEqual(
      ['a', 'b', 'c'].map((name) => ({ name, type: 'string', count: 0, missing: 0, unique: 0, top: null, freq: 0 })),
    );
    expect(result.correlation).toEqual(EMPTY_CORRELATION);
  });

  it('counts ragged rows as failed and profiles the others', async () => {
    const result = await scratch.profile(await scratch.write('ragged.csv', 'a,b\n1,2\n3\n4,5,6\n7,8\n'));
    expect({ rows: result.row_count, failed: result.rows_failed }).toEqual({ rows: 2, failed: 2 });
    expect(column(result, 'a')).toMatchObject({ type: 'integer', count: 2, mean: 4, min: 1, max: 7 });
    expect(column(result, 'b')).toMatchObject({ type: 'integer', count: 2, mean: 5, min: 2, max: 8 });
  });

  it('reports an entirely empty column as a string column with every value missing', async () => {
    const result = await scratch.profile(await scratch.write('empty-column.csv', 'a,b,c\n1,,x\n2,,y\n3,,z\n'));
    expect(column(result, 'b')).toEqual({ name: 'b', type: 'string', count: 0, missing: 3, unique: 0, top: null, freq: 0 });
    expect(result.correlation.columns).toEqual(['a']);
  });

  it('reads empty, NA, N/A, NaN, nan, null, NULL and None as missing', async () => {
    const result = await scratch.profile(await scratch.write('missing.csv', 'n,s\n1,x\n,\nNA,NA\nN/A,N/A\nNaN,NaN\nnan,nan\nnull,null\nNULL,NULL\nNone,None\n3,y\n'));
    expect(column(result, 'n')).toMatchObject({ type: 'integer', count: 2, missing: 8, mean: 2 });
    expect(column(result, 's')).toMatchObject({ type: 'string', count: 2, missing: 8, unique: 2 });
  });

  it('drops a row with a non-UTF-8 byte (Latin-1 é) as failed, and profiles the rest', async () => {
    const latin1 = Buffer.concat([Buffer.from('name,n\ncaf'), Buffer.from([0xe9]), Buffer.from(',1\nabc,2\nd\u00e9j\u00e0,3\n')]);
    const result = await scratch.profile(await scratch.write('latin1.csv', latin1));
    expect({ rows: result.row_count, failed: result.rows_failed }).toEqual({ rows: 2, failed: 1 });
    expect(column(result, 'name')).toMatchObject({ type: 'string', count: 2, unique: 2, top: 'abc', freq: 1 });
    expect(column(result, 'n')).toMatchObject({ count: 2, min: 2, max: 3 });
  });

  it('leaves numbers with thousands separators as strings', async () => {
    const result = await scratch.profile(await scratch.write('thousands.csv', 'amount,n\n"1,000",1\n"2,500",2\n"1,000",3\n'));
    expect(result.rows_failed).toBe(0);
    expect(column(result, 'amount')).toEqual({ name: 'amount', type: 'string', count: 3, missing: 0, unique: 2, top: '1,000', freq: 2 });
    expect(result.correlation.columns).toEqual(['n']);
  });

  it('reads a BOM, CRLF line ends and quoted fields with embedded line breaks and delimiters', async () => {
    const text = '\ufeffid,text,n\r\n1,"hello\r\nworld",2\r\n2,"x, ""y""",3\r\n3,"hello\r\nworld",4\r\n';
    const result = await scratch.profile(await scratch.write('bom.csv', text));
    expect(result.columns.map((c) => c.name)).toEqual(['id', 'text', 'n']);
    expect({ rows: result.row_count, failed: result.rows_failed }).toEqual({ rows: 3, failed: 0 });
    expect(column(result, 'text')).toMatchObject({ type: 'string', unique: 2, top: 'hello\r\nworld', freq: 2 });
    expect(column(result, 'n')).toMatchObject({ type: 'integer', mean: 3, p25: 2.5, p75: 3.5 });
  });

  describe('tab-separated values', () => {
    const TSV = 'id\tlabel\tx\n1\ta, b\t0.5\n2\tc\t1.5\n3\ta, b\t2.5\n';
    const expected = [
      { name: 'id', type: 'integer', mean: 2 },
      { name: 'label', type: 'string', top: 'a, b', freq: 2 },
      { name: 'x', type: 'number', mean: 1.5 },
    ];

    it('reads TSV when the format says tsv', async () => {
      const result = await scratch.profile(await scratch.write('given.tsv', TSV), { format: 'tsv' });
      expect(result.format).toBe('tsv');
      expect(result.columns).toMatchObject(expected);
    });

    it('detects tab-separated values when no format is given', async () => {
      const result = await scratch.profile(await scratch.write('sniffed.tsv', TSV));
      expect(result.format).toBe('tsv');
      expect(result.columns).toMatchObject(expected);
    });

    it('takes an explicit delimiter', async () => {
      const result = await scratch.profile(await scratch.write('pipes.csv', 'a|b\n1|x;y\n2|z\n'), { delimiter: '|' });
      expect(result.columns).toMatchObject([{ name: 'a', type: 'integer', mean: 1.5 }, { name: 'b', type: 'string', unique: 2 }]);
    });
  });

  it('reads a JSON array of objects, detected from its first byte', async () => {
    const json = JSON.stringify([
      { id: 1, price: 2.5, ok: true, name: 'x', meta: { a: 1 } },
      { id: 2, price: null, ok: false, name: 'y', meta: { a: 2 } },
      { id: 3, price: 4, ok: true, name: 'x', meta: { a: 1 } },
    ]);
    const result = await scratch.profile(await scratch.write('data.json', ` \n${json}`));
    expect({ format: result.format, rows: result.row_count, failed: result.rows_failed }).toEqual({ format: 'json', rows: 3, failed: 0 });
    expect(result.columns).toMatchObject([
      { name: 'id', type: 'integer', count: 3, mean: 2 },
      { name: 'price', type: 'number', count: 2, missing: 1, mean: 3.25 },
      { name: 'ok', type: 'boolean', top: true, freq: 2 },
      { name: 'name', type: 'string', top: 'x', freq: 2 },
      { name: 'meta', type: 'string', unique: 2, freq: 2 },
    ]);
  });

  it('reads NDJSON, a key missing from a line counting as missing', async () => {
    const ndjson = '{"a":1,"b":"p"}\n{"a":2.5}\n\n{"a":null,"b":"q","c":true}\n';
    const result = await scratch.profile(await scratch.write('data.ndjson', ndjson));
    expect({ format: result.format, rows: result.row_count }).toEqual({ format: 'ndjson', rows: 3 });
    expect(result.columns).toMatchObject([
      { name: 'a', type: 'number', count: 2, missing: 1, mean: 1.75 },
      { name: 'b', type: 'string', count: 2, missing: 1, top: 'p' },
      { name: 'c', type: 'boolean', count: 1, missing: 2, top: true },
    ]);
  });

  it.each([
    ['a truncated JSON array', 'bad.json', '[{"a":1},{"a":', {}],
    ['a truncated NDJSON line', 'bad.ndjson', '{"a":1}\n{"a":\n', {}],
    ['a JSON array of numbers', 'numbers.json', '[1,2,3]', {}],
    ['CSV read as JSON', 'data.csv', 'a,b\n1,2\n', { format: 'json' as const }],
  ])('fails with invalid_dataset on %s', async (_name, file, text, options) => {
    await expect(scratch.profile(await scratch.write(file, text), options)).rejects.toMatchObject({
      name: 'PermanentTaskError',
      code: 'invalid_dataset',
      retryable: false,
      message: expect.stringMatching(/could not be read/),
    });
  });

  it('leaves nothing in the engine temp dir, failures included', async () => {
    expect(await scratch.engineLeftovers()).toEqual([]);
  });
});
