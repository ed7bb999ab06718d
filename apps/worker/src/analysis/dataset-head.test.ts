import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { detectFormat, firstRecordFieldCount, readHead } from './dataset-head';

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const text = (s: string) => Buffer.from(s, 'utf8');

/** The error a call throws, for asserting its code (a wrong "no throw" fails loudly). */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
}

describe('detectFormat', () => {
  it.each([
    ['a JSON array when the first byte is [', '[{"a":1}]', 'json'],
    ['NDJSON when the first byte is {', '{"a":1}\n{"a":2}\n', 'ndjson'],
    ['CSV for delimited text', 'a,b\n1,2\n', 'csv'],
    ['TSV for tab-separated text without commas', 'a\tb\n1\t2\n', 'tsv'],
    ['JSON after leading whitespace and line breaks', ' \t\r\n [ {"a":1} ]', 'json'],
    ['NDJSON after leading blank lines', '\n\n{"a":1}\n', 'ndjson'],
    ['CSV for an empty head', '', 'csv'],
  ])('detects %s', (_name, head, format) => {
    expect(detectFormat(text(head))).toBe(format);
  });

  it('skips a UTF-8 byte order mark before the first character', () => {
    expect(detectFormat(Buffer.concat([BOM, text('[{"a":1}]')]))).toBe('json');
    expect(detectFormat(Buffer.concat([BOM, text('  {"a":1}\n')]))).toBe('ndjson');
    expect(detectFormat(Buffer.concat([BOM, text('a,b\n')]))).toBe('csv');
  });
});

describe('firstRecordFieldCount for delimited text', () => {
  const count = (head: string, options: { format?: 'csv' | 'tsv'; delimiter?: string; whole?: boolean } = {}) =>
    firstRecordFieldCount(text(head), options.format ?? 'csv', options.delimiter, options.whole ?? false);

  it('counts the fields of the first line only', () => {
    expect(count('a,b,c\n1,2,3,4,5\n')).toBe(3);
  });

  it('ignores delimiters and line breaks inside quoted fields', () => {
    expect(count('"a,1","b\nstill b","c ""quoted"", too",d\n1,2,3,4\n')).toBe(4);
  });

  it('stops at a carriage return as at a line feed', () => {
    expect(count('a,b\r\n1,2,3\r\n')).toBe(2);
  });

  it('counts tabs for TSV, and not commas', () => {
    expect(count('a,x\tb\tc\n', { format: 'tsv' })).toBe(3);
  });

  it('counts only the given delimiter', () => {
    expect(count('a;b;c,d|e\n', { delimiter: ';' })).toBe(3);
    expect(count('a;b;c,d|e\n', { delimiter: '|' })).toBe(2);
  });

  it('takes the largest count over the usual delimiters when none is known', () => {
    expect(count('a;b;c;d,e\n')).toBe(4);
    expect(count('a|b|c|d|e|f\tg\n')).toBe(6);
    expect(count('a\tb\tc\n')).toBe(3);
    expect(count('single\n')).toBe(1);
  });

  it('strips a byte order mark', () => {
    expect(firstRecordFieldCount(Buffer.concat([BOM, text('a,b\n')]), 'csv', undefined, false)).toBe(2);
  });

  it('counts a whole small file without a trailing line break', () => {
    expect(count('a,b,c', { whole: true })).toBe(3);
    expect(count('"x\ny",z', { whole: true })).toBe(2);
  });

  it('counts 0 fields in an empty or blank whole file', () => {
    expect(count('', { whole: true })).toBe(0);
    expect(count('   ', { whole: true })).toBe(0);
  });

  it('refuses with limit_exceeded when the first record runs past a truncated head', () => {
    const err = thrown(() => count(`${'x,'.repeat(1000)}x`));
    expect(err).toMatchObject({ name: 'PermanentTaskError', code: 'limit_exceeded', retryable: false });
  });

  it('refuses with limit_exceeded when a quoted field is still open at the end of a truncated head', () => {
    expect(thrown(() => count('a,"b\n1,2\n3,4\n'))).toMatchObject({ code: 'limit_exceeded' });
  });
});

describe('firstRecordFieldCount for JSON', () => {
  const count = (head: string, format: 'json' | 'ndjson' = 'ndjson', whole = false) => firstRecordFieldCount(text(head), format, undefined, whole);

  it('counts the keys of the first NDJSON object only', () => {
    expect(count('{"a":1,"b":2,"c":3}\n{"a":1}\n')).toBe(3);
  });

  it('counts the keys of the first object of a JSON array', () => {
    expect(count('[ {"a":1,"b":[1,2,3]}, {"a":1,"b":2,"c":3,"d":4} ]', 'json')).toBe(2);
  });

  it('ignores commas inside nested objects and arrays', () => {
    expect(count('{"a":{"x":1,"y":{"z":[1,2,{"w":3}]}},"b":[{"p":1,"q":2}],"c":null}\n')).toBe(3);
  });

  it('ignores braces, brackets, commas and escaped quotes inside strings', () => {
    expect(count('{"a":"}{,][","b":"say \\"hi, there\\"","c\\",d":"\\\\","e":1}\n')).toBe(4);
  });

  it('counts 0 keys in an empty object or array', () => {
    expect(count('{}\n')).toBe(0);
    expect(count('[]', 'json', true)).toBe(0);
    expect(count('[ {} ]', 'json')).toBe(0);
  });

  it('counts a whole small file whose only object lacks a trailing line break', () => {
    expect(count('{"a":1,"b":2}', 'ndjson', true)).toBe(2);
  });

  it('leaves a truncated object in a whole file to the engine', () => {
    expect(count('{"a":1,"b":', 'ndjson', true)).toBe(2);
  });

  it('refuses with limit_exceeded when the first object runs past a truncated head', () => {
    const keys = Array.from({ length: 500 }, (_, i) => `"k${i}":${i}`).join(',');
    expect(thrown(() => count(`{${keys}`))).toMatchObject({ name: 'PermanentTaskError', code: 'limit_exceeded' });
  });

  it('strips a byte order mark', () => {
    expect(firstRecordFieldCount(Buffer.concat([BOM, text('{"a":1,"b":2}\n')]), 'ndjson', undefined, false)).toBe(2);
  });
});

describe('readHead', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'offload-head-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('reads at most maxBytes from the start of the file', async () => {
    const path = join(dir, 'data.csv');
    await writeFile(path, 'a,b\n1,2\n');
    expect((await readHead(path, 3)).toString()).toBe('a,b');
    expect((await readHead(path, 1024)).toString()).toBe('a,b\n1,2\n');
  });

  it('reads nothing from an empty file', async () => {
    const path = join(dir, 'empty.csv');
    await writeFile(path, '');
    expect((await readHead(path, 1024)).length).toBe(0);
  });
});
