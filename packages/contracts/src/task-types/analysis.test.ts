import { describe, expect, it } from '@jest/globals';
import { Ajv2020 } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { runInNewContext } from 'node:vm';
import { z } from 'zod';
import { TASK_PAYLOAD_VERSION, decodeTaskPayload } from '../envelope';
import { taskInputJsonSchema, taskPayloadJsonSchema } from '../json-schema';
import { toFieldProblems } from '../problem';
import { taskInputSchema } from '../task-input';
import { analysisContentInputSchema, analysisContentSchema, analysisResultSchema } from './analysis';

const TASK_ID = '7f0c2a4e-5b1d-4c3e-9a8f-0123456789ab';

/** Rows as a client's JSON body brings them: JSON.parse makes `__proto__` an own key, like any other. */
const ODD_NAMES = JSON.parse('[{"__proto__": 1, "constructor": "x", "toString": true, "hasOwnProperty": null, "": 2.5, "a": "b"}]') as unknown;
const ODD_KEYS = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', '', 'a'];

function ownEntries(value: unknown): [string, unknown][] {
  if (typeof value !== 'object' || value === null) throw new Error('expected an object');
  return Object.keys(value).map((key) => [key, (value as Record<string, unknown>)[key]]);
}

function rowsOf(content: { rows?: unknown[] | undefined }): unknown[] {
  if (content.rows === undefined) throw new Error('expected rows');
  return content.rows;
}

function problemsOf(input: unknown): { path: string; code: string }[] {
  const parsed = taskInputSchema.safeParse(input);
  return parsed.success ? [] : toFieldProblems(parsed.error).map(({ path, code }) => ({ path, code }));
}

describe('analysis rows', () => {
  it('keeps every column name, __proto__ and Object.prototype names included, when the API validates input', () => {
    const parsed = taskInputSchema.parse({ task_type: 'analysis', content: { rows: ODD_NAMES } });
    if (parsed.task_type !== 'analysis') throw new Error('expected analysis');
    const [row] = rowsOf(parsed.content);
    expect(ownEntries(row)).toEqual([
      ['__proto__', 1],
      ['constructor', 'x'],
      ['toString', true],
      ['hasOwnProperty', null],
      ['', 2.5],
      ['a', 'b'],
    ]);
    expect(Object.getPrototypeOf(row)).toBe(Object.prototype);
    expect(JSON.stringify(row)).toBe('{"__proto__":1,"constructor":"x","toString":true,"hasOwnProperty":null,"":2.5,"a":"b"}');
  });

  it('keeps a __proto__ column when the worker decodes the envelope', () => {
    const body = JSON.stringify({ v: TASK_PAYLOAD_VERSION, id: TASK_ID, task_type: 'analysis', content: { rows: ODD_NAMES }, created_at: '2025-01-02T03:04:05.678Z', retry_count: 0 });
    const decoded = decodeTaskPayload(body);
    if (!decoded.ok || decoded.payload.task_type !== 'analysis') throw new Error('expected an analysis payload');
    expect(ownEntries(rowsOf(decoded.payload.content)[0]).map(([key]) => key)).toEqual(ODD_KEYS);
  });

  it('checks the value of a __proto__ column like any other', () => {
    const rows = JSON.parse('[{"__proto__": {"polluted": true}}]') as unknown;
    expect(problemsOf({ task_type: 'analysis', content: { rows } })).toEqual([{ path: 'content.rows.0.__proto__', code: 'invalid_union' }]);
    expect(analysisContentSchema.safeParse({ rows }).success).toBe(false);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('names the row and the column of a cell that is not a string, number, boolean or null', () => {
    expect(problemsOf({ task_type: 'analysis', content: { rows: [{ a: 1 }, { a: 1, b: [1] }] } })).toEqual([{ path: 'content.rows.1.b', code: 'invalid_union' }]);
    expect(problemsOf({ task_type: 'analysis', content: { rows: [{ a: 1 }, 'x', null, [1]] } })).toEqual([
      { path: 'content.rows.1', code: 'invalid_type' },
      { path: 'content.rows.2', code: 'invalid_type' },
      { path: 'content.rows.3', code: 'invalid_type' },
    ]);
  });

  it.each([
    ['one empty object', [{}]],
    ['only empty objects', [{}, {}, {}]],
  ])('answers 422 naming content.rows when the rows are %s (no column to profile)', (_, rows) => {
    expect(problemsOf({ task_type: 'analysis', content: { rows } })).toEqual([{ path: 'content.rows', code: 'custom' }]);
    expect(analysisContentSchema.safeParse({ rows }).success).toBe(false);
  });

  it('accepts rows where only some objects are empty, and no rows at all (an empty dataset)', () => {
    expect(problemsOf({ task_type: 'analysis', content: { rows: [{}, { a: 1 }, {}] } })).toEqual([]);
    expect(problemsOf({ task_type: 'analysis', content: { rows: [] } })).toEqual([]);
  });

  it('types rows as objects of column → cell', () => {
    const content = analysisContentInputSchema.parse({ rows: [{ a: 1, b: 'x', c: true, d: null }] });
    const cells: (string | number | boolean | null | undefined)[] = (content.rows ?? []).flatMap((row) => Object.values(row));
    expect(cells).toEqual([1, 'x', true, null]);
  });
});

describe('analysis rows in the JSON Schemas', () => {
  const ajv = new Ajv2020({ strict: false });
  addFormats(ajv);
  const validateInput = ajv.compile(taskInputJsonSchema());
  const validatePayload = ajv.compile(taskPayloadJsonSchema());
  const input = (rows: unknown) => ({ task_type: 'analysis', content: { rows } });

  it('describes a row as the record zod would describe', () => {
    const described = JSON.stringify(taskInputJsonSchema());
    const record = z.toJSONSchema(z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])), { io: 'input' });
    delete record.$schema;
    expect(described).toContain(JSON.stringify(record));
  });

  it('accepts what the zod schema accepts and rejects what it rejects', () => {
    for (const rows of [[{ a: 1, b: 'x', c: null, d: true }], ODD_NAMES, [{}, { a: 1 }], []]) {
      expect({ rows, valid: validateInput(input(rows)) }).toEqual({ rows, valid: true });
    }
    for (const rows of [[{}], [{}, {}], [{ a: [1] }], [{ a: { b: 1 } }], ['x'], [null]]) {
      expect({ rows, valid: validateInput(input(rows)) }).toEqual({ rows, valid: false });
    }
    const payload = { v: TASK_PAYLOAD_VERSION, id: TASK_ID, task_type: 'analysis', content: { rows: ODD_NAMES }, created_at: '2025-01-02T03:04:05.678Z', retry_count: 0 };
    expect(validatePayload(payload)).toBe(true);
    expect(validatePayload({ ...payload, content: { rows: [{}] } })).toBe(false);
  });
});

describe('analysisResultSchema', () => {
  it('takes a result parsed in another realm (what fetch().json() hands a test sandbox)', () => {
    const means: unknown = runInNewContext('({ temp: 4.5 })');
    const rows: unknown = runInNewContext('[{ a: 1 }]');
    const result = analysisResultSchema.parse({
      format: 'csv',
      row_count: 1,
      rows_failed: 0,
      columns: [],
      correlation: { columns: [], matrix: [] },
      group_by: { column: 'g', groups: [{ value: 'x', count: 1, means }] },
      approximate: false,
    });
    expect(result.group_by?.groups[0]?.means).toEqual({ temp: 4.5 });
    expect(analysisContentSchema.parse({ rows }).rows).toEqual([{ a: 1 }]);
    expect(analysisContentSchema.safeParse({ rows: [new (class Row { a = 1 })()] }).success).toBe(false);
  });

  it('keeps a group mean of a column named __proto__', () => {
    const means = JSON.parse('{"__proto__": 1.5, "constructor": 2, "": null}') as unknown;
    const result = analysisResultSchema.parse({
      format: 'ndjson',
      row_count: 1,
      rows_failed: 0,
      columns: [],
      correlation: { columns: [], matrix: [] },
      group_by: { column: 'g', groups: [{ value: 'x', count: 1, means }] },
      approximate: false,
    });
    expect(ownEntries(result.group_by?.groups[0]?.means)).toEqual([
      ['__proto__', 1.5],
      ['constructor', 2],
      ['', null],
    ]);
  });
});
