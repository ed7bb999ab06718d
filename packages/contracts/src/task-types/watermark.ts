import { z } from 'zod';
import { uploadKeySchema } from '../storage-keys';
import { defineTaskType } from './define-task-type';

export const WATERMARK_POSITIONS = [
  'top-left',
  'top',
  'top-right',
  'left',
  'center',
  'right',
  'bottom-left',
  'bottom',
  'bottom-right',
] as const;
export type WatermarkPosition = (typeof WATERMARK_POSITIONS)[number];

export const OUTPUT_FORMATS = ['jpeg', 'png', 'webp', 'avif'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export const WATERMARK_TEXT_MAX_LENGTH = 200;

/** A character that leaves ink: not white space, a control or a format character. */
const VISIBLE_CHARACTER = /[^\p{White_Space}\p{Cc}\p{Cf}]/u;

type ObjectFactory = typeof z.object | typeof z.strictObject;

function watermarkOptionsShape(object: ObjectFactory) {
  return object({
    text: z
      .string()
      .min(1)
      .max(WATERMARK_TEXT_MAX_LENGTH)
      .refine((text) => VISIBLE_CHARACTER.test(text), { message: 'the text has no visible character (only white space or control characters)' })
      .optional()
      .describe('Plain text drawn literally (never interpreted as markup), at most 200 characters'),
    logo: uploadKeySchema.optional().describe('Upload key of a logo image'),
    position: z.enum(WATERMARK_POSITIONS).default('bottom-right'),
    tile: z.boolean().default(false).describe('Repeat the mark across the whole image'),
    opacity: z.number().gt(0, { message: 'an opacity of 0 draws nothing: use more than 0' }).max(1).default(0.5),
    size: z.number().gt(0).max(1).default(0.25).describe('Watermark width as a fraction of the image width'),
    margin: z.number().min(0).max(0.5).default(0.02).describe('Margin as a fraction of the shorter side'),
    format: z.enum(OUTPUT_FORMATS).optional().describe("Output format; default: the input's"),
    quality: z.number().int().min(1).max(100).optional(),
  }).refine((o) => o.text !== undefined || o.logo !== undefined, {
    message: 'a watermark needs text, a logo, or both',
    path: ['text'],
  });
}

function watermarkContentShape(object: ObjectFactory) {
  return object({
    image: uploadKeySchema.describe('Upload key of the image to watermark'),
    watermark: watermarkOptionsShape(object),
  });
}

/** Watermark content as the worker reads it: unknown fields are ignored (forward compatible). */
export const watermarkContentSchema = watermarkContentShape(z.object);
/** Watermark content as a client may send it: unknown fields are rejected. */
export const watermarkContentInputSchema = watermarkContentShape(z.strictObject);
export const watermarkOptionsSchema = watermarkOptionsShape(z.object);
export const watermarkOptionsInputSchema = watermarkOptionsShape(z.strictObject);

export type WatermarkContent = z.infer<typeof watermarkContentSchema>;
export type WatermarkOptions = z.infer<typeof watermarkOptionsSchema>;

export const watermarkResultSchema = z.object({
  output_key: z.string(),
  content_type: z.string(),
  format: z.enum(OUTPUT_FORMATS).or(z.literal('gif')),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  pages: z.number().int().positive().describe('Frames in the output (1 unless animated)'),
  bytes: z.number().int().nonnegative(),
});
export type WatermarkResult = z.infer<typeof watermarkResultSchema>;

/** Image watermarking: a text and/or logo mark drawn on an uploaded image (sharp). */
export const watermarkTaskType = defineTaskType({
  description: 'Draw a text and/or logo watermark on an uploaded image',
  content: watermarkContentSchema,
  input: watermarkContentInputSchema,
  result: watermarkResultSchema,
  uploads: { image: 'image', 'watermark.logo': 'image' },
  form: { path: '/v1/images', files: { image: { at: 'image', required: true }, logo: { at: 'watermark.logo', required: false } }, optionsAt: 'watermark' },
  checkUploads: (content, uploads) => {
    const width = uploads.image?.width;
    const { size } = content.watermark;
    if (width === undefined || size * width >= 1) return [];
    return [
      {
        path: 'watermark.size',
        message: `the mark would be ${(size * width).toPrecision(2)} px wide on this ${width} px wide image: invisible; use a size of at least ${(1 / width).toPrecision(2)}`,
        code: 'too_small',
      },
    ];
  },
});
