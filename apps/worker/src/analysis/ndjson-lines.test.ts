import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { firstBadNdjsonLine } from './ndjson-lines';

describe('firstBadNdjsonLine', () => {
  let dir: string;
  let n = 0;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'offload-ndjson-lines-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  async function bad(content: string | Buffer, maxLineBytes = 1024) {
    const path = join(dir, `f${n++}.ndjson`);
    await writeFile(path, content);
    return firstBadNdjsonLine(path, maxLineBytes, new AbortController().signal);
  }

  it('returns undefined when every line is an object, blank lines, CRLF and a BOM included', async () => {
    expect(await bad('\ufeff{"a":1}\r\n\r\n  {}\n{"b":[1,{"c":2}]}')).toBeUndefined();
    expect(await bad('')).toBeUndefined();
  });

  it('numbers lines as an editor does, blank ones counted', async () => {
    expect(await bad('{"a":1}\n\n\n{"a":x}\n{"a":2}\n')).toEqual({ line: 4, problem: 'not_json' });
    expect(await bad('{"a":1}\r\n{"a":')).toEqual({ line: 2, problem: 'not_json' });
  });

  it('tells a line that is JSON but not an object', async () => {
    expect(await bad('{"a":1}\n[1]\n')).toEqual({ line: 2, problem: 'not_object' });
    expect(await bad('"text"\n')).toEqual({ line: 1, problem: 'not_object' });
    expect(await bad('{"a":1}\nnull\n')).toEqual({ line: 2, problem: 'not_object' });
  });

  it('finds a bad line after lines that span read chunks', async () => {
    const long = `{"a":"${'x'.repeat(700_000)}"}\n`;
    expect(await bad(`${long}${long}${long}{"a":\n`, 1024 * 1024)).toEqual({ line: 4, problem: 'not_json' });
  });

  it('gives up (undefined) at a line longer than the limit, rather than hold it', async () => {
    expect(await bad(`{"a":"${'x'.repeat(2000)}"}\n{"a":x}\n`)).toBeUndefined();
    expect(await bad(`{"a":"${'x'.repeat(3 * 1024 * 1024)}`, 1024 * 1024)).toBeUndefined();
  });
});
