import { dirname } from 'node:path';
import sharp from 'sharp';
import type { DatasetFormat } from '@offload/contracts';
import { createScratch, type Scratch } from '../../test/dataset-scratch';

const SOURCE = 'the upload up_0123456789abcdef0123456789abcdef';

/** What a failed profile threw, checked to be a permanent invalid_dataset error. */
async function failure(run: Promise<unknown>): Promise<{ message: string; cause: unknown }> {
  const err: unknown = await run.then(
    () => new Error('expected the profile to fail'),
    (e: unknown) => e,
  );
  expect(err).toMatchObject({ name: 'PermanentTaskError', code: 'invalid_dataset', retryable: false });
  if (!(err instanceof Error)) throw new Error('expected an Error');
  return { message: err.message, cause: err.cause };
}

describe('profileDataset errors (readFailure, notADataset), in the terms of the one who sent the data', () => {
  let scratch: Scratch;
  let png: Buffer;

  beforeAll(async () => {
    scratch = await createScratch();
    png = await sharp({ create: { width: 4, height: 4, channels: 3, background: '#000' } }).png().toBuffer();
  });
  afterAll(() => scratch.remove());

  /** The message, after checking it holds no server path and no engine wording. */
  async function messageOf(name: string, content: string | Buffer, format?: DatasetFormat): Promise<string> {
    const path = await scratch.write(name, content);
    const { message } = await failure(scratch.profile(path, { source: SOURCE, ...(format === undefined ? {} : { format }) }));
    expect(message).not.toContain(dirname(path));
    expect(message).not.toContain(name);
    expect(message).not.toMatch(/Error|LINE 1|read_json|read_csv|records=|Try setting|sniff/);
    return message;
  }

  it('names an image upload as an image, whatever format was asked for', async () => {
    const expected = `${SOURCE} is an image (PNG), not a dataset: analysis reads CSV, TSV, JSON or NDJSON text in UTF-8`;
    expect(await messageOf('photo.png', png)).toBe(expected);
    expect(await messageOf('photo-as.json', png, 'json')).toBe(expected);
    expect(await messageOf('photo-as.csv', png, 'csv')).toBe(expected);
  });

  it('names a JPEG as an image rather than profiling its bytes as a CSV', async () => {
    const jpeg = await sharp({ create: { width: 40, height: 30, channels: 3, background: 'red' } }).jpeg().toBuffer();
    expect(await messageOf('photo.jpg', jpeg)).toMatch(new RegExp(`^${SOURCE} is an image \\(JPEG\\), not a dataset`));
  });

  it('keeps the engine error as the cause when the engine fails to read the data', async () => {
    const path = await scratch.write('cause.json', '[{"a":1},{"a":');
    const { cause } = await failure(scratch.profile(path, { source: SOURCE }));
    expect(cause).toMatchObject({ message: expect.stringContaining(path) });
  });

  it('says "the dataset" when no source is named', async () => {
    const path = await scratch.write('unnamed.bin', Buffer.from([0x25, 0x50, 0x44, 0x46, 0x2d, 0x31, 0x2e, 0x37]));
    expect((await failure(scratch.profile(path))).message).toBe('the dataset is a PDF document, not a dataset: analysis reads CSV, TSV, JSON or NDJSON text in UTF-8');
  });

  it.each([
    ['a truncated JSON array', 'truncated.json', '[{"a":1},{"a":', undefined, `${SOURCE} could not be read as JSON: it ends before the JSON is complete (is it truncated?)`],
    ['malformed JSON', 'malformed.json', '[{"a":1},\n{"a" 2}]', undefined, `${SOURCE} could not be read as JSON: it is not valid JSON`],
    ['a JSON array of numbers', 'numbers.json', '[1,2,3]', undefined, `${SOURCE} could not be read as JSON: item 1 of the array is not a JSON object (a record of column → value)`],
    ['a JSON array of empty objects', 'empty-objects.json', '[{},{}]', undefined, `${SOURCE} could not be read as JSON: no record has a field, so there is no column to profile`],
    ['CSV read as JSON', 'data.csv', 'a,b\n1,2\n', 'json' as const, `${SOURCE} could not be read as JSON: it does not start with [ (a JSON array of objects)`],
    ['NDJSON read as a JSON array', 'lines.ndjson', '{"a":1}\n{"a":2}\n', 'json' as const, `${SOURCE} could not be read as JSON: it does not start with [ (a JSON array of objects)`],
    ['an NDJSON line that is not JSON', 'bad-line.ndjson', '{"a":1}\n{"a":x}\n{"a":3}\n', undefined, `${SOURCE} could not be read as NDJSON: line 2 is not valid JSON`],
    ['an NDJSON line after blank lines', 'blank-lines.ndjson', '{"a":1}\n\n\n{"a":1,,}\n', undefined, `${SOURCE} could not be read as NDJSON: line 4 is not valid JSON`],
    ['a truncated last NDJSON line', 'truncated.ndjson', '{"a":1}\r\n{"a":2}\r\n{"a":', undefined, `${SOURCE} could not be read as NDJSON: line 3 is not valid JSON`],
    ['an NDJSON line that is an array', 'array-line.ndjson', '{"a":1}\n[1,2]\n', undefined, `${SOURCE} could not be read as NDJSON: line 2 is not a JSON object (a record of column → value)`],
    ['NDJSON of empty objects', 'empty-objects.ndjson', '{}\n{}\n', undefined, `${SOURCE} could not be read as NDJSON: no record has a field, so there is no column to profile`],
  ])('says what is wrong with %s, without the engine wording', async (_name, file, content, format, expected) => {
    expect(await messageOf(file, content, format)).toBe(expected);
  });
});
