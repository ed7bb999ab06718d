import { z } from 'zod';
import { uploadKeySchema } from '../storage-keys';

export const DATASET_FORMATS = ['csv', 'tsv', 'json', 'ndjson'] as const;
export type DatasetFormat = (typeof DATASET_FORMATS)[number];

type ObjectFactory = typeof z.object | typeof z.strictObject;

const cellSchema = z.union([z.string(), z.number(), z.boolean(), z.null()]);

function analysisContentShape(object: ObjectFactory) {
  return object({
    dataset: uploadKeySchema.optional().describe('Upload key of a CSV, TSV, JSON array or NDJSON file'),
    rows: z
      .array(z.record(z.string(), cellSchema))
      .optional()
      .describe('Inline rows for small data (objects of column → value)'),
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
