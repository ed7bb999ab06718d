import { z } from 'zod';
import { uploadKeySchema } from '../storage-keys';
import { defineTaskType } from './define-task-type';

export const DATASET_FORMATS = ['csv', 'tsv', 'json', 'ndjson'] as const;
export type DatasetFormat = (typeof DATASET_FORMATS)[number];

type ObjectFactory = typeof z.object | typeof z.strictObject;

const cellSchema = z.union([z.string(), z.number(), z.boolean(), z.null()]);

/**
 * An object literal or JSON object, from any realm (an object parsed by `fetch`'s `json()` in a
 * test's sandbox has another realm's Object.prototype): not an array, a class instance or a box.
 */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  if (Object.prototype.toString.call(value) !== '[object Object]') return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === null || Object.getPrototypeOf(prototype) === null;
}

/**
 * An object of name → value whose names are data (column names), for any name, `__proto__`
 * included. Not `z.record`: zod leaves a `__proto__` key out of the object it rebuilds (assigning
 * it would set the prototype instead), so a column of that name would vanish. This checks every
 * own key's value and defines each key on the copy it returns. Its JSON Schema (input side) is the
 * one `z.record(z.string(), value)` has.
 */
function namedValuesSchema<V extends z.ZodType>(value: V) {
  const { $schema: _dialect, ...jsonSchema } = z.toJSONSchema(z.record(z.string(), value), { io: 'input' });
  return z
    .unknown()
    .transform((input, ctx) => {
      const out: Record<string, z.output<V>> = {};
      if (!isPlainObject(input)) {
        ctx.addIssue({ code: 'invalid_type', expected: 'record', input });
        return out;
      }
      for (const key of Object.keys(input)) {
        const parsed = value.safeParse(input[key]);
        if (parsed.success) Object.defineProperty(out, key, { value: parsed.data, enumerable: true, writable: true, configurable: true });
        else for (const issue of parsed.error.issues) ctx.addIssue({ ...issue, path: [key, ...issue.path] });
      }
      return out;
    })
    .meta(jsonSchema);
}

const rowsSchema = z
  .array(namedValuesSchema(cellSchema))
  .refine((rows) => rows.length === 0 || rows.some((row) => Object.keys(row).length > 0), {
    message: 'every row is an empty object: there is no column to profile',
  })
  // The same rule for JSON Schema users: not (at least one row, and every row without a key).
  .meta({ not: { minItems: 1, items: { maxProperties: 0 } } });

function analysisContentShape(object: ObjectFactory) {
  return object({
    dataset: uploadKeySchema.optional().describe('Upload key of a CSV, TSV, JSON array or NDJSON file'),
    rows: rowsSchema.optional().describe('Inline rows for small data (objects of column → value; none, or at least one with a column)'),
    format: z.enum(DATASET_FORMATS).optional().describe('Dataset format; default: detected from the bytes'),
    delimiter: z.string().length(1).optional().describe('Field delimiter for CSV (default ,) and TSV (default tab)'),
    columns: z.array(z.string().min(1)).min(1).optional().describe('Only profile these columns'),
    group_by: z.string().min(1).optional().describe('Column to group rows by'),
    histogram_bins: z.number().int().min(1).max(1000).default(10),
  }).refine((c) => (c.dataset === undefined) !== (c.rows === undefined), {
    message: 'give exactly one of dataset (an upload key) or rows (inline data)',
    path: ['dataset'],
  });
}

/** Analysis content as the worker reads it: unknown fields are ignored (forward compatible). */
export const analysisContentSchema = analysisContentShape(z.object);
/** Analysis content as a client may send it: unknown fields are rejected. */
export const analysisContentInputSchema = analysisContentShape(z.strictObject);
export type AnalysisContent = z.infer<typeof analysisContentSchema>;

export const COLUMN_TYPES = ['integer', 'number', 'boolean', 'timestamp', 'string'] as const;
export type ColumnType = (typeof COLUMN_TYPES)[number];

const scalarSchema = z.union([z.string(), z.number(), z.boolean()]);

export const histogramSchema = z.object({
  /** n + 1 bin edges; each bin is [edge_i, edge_i+1), the last one closed (as numpy.histogram). */
  edges: z.array(z.number()),
  counts: z.array(z.number().int().nonnegative()),
});

export const columnProfileSchema = z.object({
  name: z.string(),
  type: z.enum(COLUMN_TYPES),
  /** Non-missing values. */
  count: z.number().int().nonnegative(),
  missing: z.number().int().nonnegative(),
  // integer and number columns (null when the column has no values)
  mean: z.number().nullable().optional(),
  /** Sample standard deviation (n − 1), as pandas. */
  std: z.number().nullable().optional(),
  min: z.number().nullable().optional(),
  /** Quartiles by linear interpolation between order statistics, as pandas' describe(). */
  p25: z.number().nullable().optional(),
  p50: z.number().nullable().optional(),
  p75: z.number().nullable().optional(),
  max: z.number().nullable().optional(),
  histogram: histogramSchema.nullable().optional(),
  // boolean, timestamp and string columns
  unique: z.number().int().nonnegative().optional(),
  /** The most frequent value; ties go to the smallest value (as text). */
  top: scalarSchema.nullable().optional(),
  freq: z.number().int().nonnegative().optional(),
  // timestamp columns: the range, as ISO 8601 text
  first: z.string().nullable().optional(),
  last: z.string().nullable().optional(),
});
export type ColumnProfile = z.infer<typeof columnProfileSchema>;

export const correlationSchema = z.object({
  columns: z.array(z.string()),
  /** Pearson coefficients over pairwise-complete rows; null where undefined (constant column). */
  matrix: z.array(z.array(z.number().nullable())),
});

export const groupSchema = z.object({
  value: scalarSchema.nullable(),
  count: z.number().int().nonnegative(),
  /** Mean of each numeric column within the group. */
  means: namedValuesSchema(z.number().nullable()),
});

export const analysisResultSchema = z.object({
  format: z.enum(DATASET_FORMATS),
  row_count: z.number().int().nonnegative(),
  /** Rows that could not be parsed (ragged, or a value that contradicts its column's type). */
  rows_failed: z.number().int().nonnegative(),
  columns: z.array(columnProfileSchema),
  correlation: correlationSchema,
  group_by: z.object({ column: z.string(), groups: z.array(groupSchema) }).nullable(),
  /** False: every statistic is exact. */
  approximate: z.boolean(),
});
export type AnalysisResult = z.infer<typeof analysisResultSchema>;

/** The record's `result` of an analysis: where the report (analysisResultSchema) is, and its size. */
export const analysisResultRefSchema = z.object({
  output_key: z.string(),
  content_type: z.literal('application/json'),
  row_count: z.number().int().nonnegative(),
  column_count: z.number().int().nonnegative(),
  bytes: z.number().int().nonnegative(),
});
export type AnalysisResultRef = z.infer<typeof analysisResultRefSchema>;

/** Data analysis: a statistical profile of an uploaded dataset or inline rows (DuckDB). */
export const analysisTaskType = defineTaskType({
  description: 'Profile a dataset (CSV, TSV, JSON, NDJSON or inline rows): types, statistics, histograms, correlations, groups',
  content: analysisContentSchema,
  input: analysisContentInputSchema,
  result: analysisResultRefSchema,
  uploads: { dataset: 'dataset' },
  form: { path: '/v1/datasets', files: { file: { at: 'dataset', required: true } }, optionsAt: '' },
});
