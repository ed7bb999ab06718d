import { z } from 'zod';
import { uploadKeySchema } from '../storage-keys';
import { defineTaskType } from './define-task-type';

/**
 * `inside`: the rendition is the width asked for, its height by the image's aspect ratio.
 * `cover`: a square of that width, cropped to the image's most interesting part.
 * `contain`: a square of that width, the whole image letterboxed in it (transparent where the
 * format has alpha, white in JPEG).
 */
export const THUMBNAIL_FITS = ['inside', 'cover', 'contain'] as const;
export type ThumbnailFit = (typeof THUMBNAIL_FITS)[number];

export const THUMBNAIL_FORMATS = ['webp', 'avif', 'jpeg', 'png'] as const;
export type ThumbnailFormat = (typeof THUMBNAIL_FORMATS)[number];

export const THUMBNAIL_MAX_RENDITIONS = 8;
export const THUMBNAIL_MAX_WIDTH = 10_000;

type ObjectFactory = typeof z.object | typeof z.strictObject;

function thumbnailContentShape(object: ObjectFactory) {
  return object({
    image: uploadKeySchema.describe('Upload key of the image to make renditions of'),
    widths: z
      .array(z.number().int().min(1).max(THUMBNAIL_MAX_WIDTH))
      .min(1)
      .max(THUMBNAIL_MAX_RENDITIONS)
      .refine((widths) => new Set(widths).size === widths.length, { message: 'each width once' })
      .describe(`1–${THUMBNAIL_MAX_RENDITIONS} widths in pixels, one rendition each`),
    fit: z.enum(THUMBNAIL_FITS).default('inside'),
    enlarge: z.boolean().default(false).describe("Allow renditions wider than the image (default: a width above the image's is refused)"),
    format: z.enum(THUMBNAIL_FORMATS).default('webp'),
    quality: z.number().int().min(1).max(100).optional(),
  });
}

/** Thumbnail content as the worker reads it: unknown fields are ignored (forward compatible). */
export const thumbnailContentSchema = thumbnailContentShape(z.object);
/** Thumbnail content as a client may send it: unknown fields are rejected. */
export const thumbnailContentInputSchema = thumbnailContentShape(z.strictObject);
export type ThumbnailContent = z.infer<typeof thumbnailContentSchema>;

/** One rendition: served by `GET /v1/tasks/:id/outputs/:name`. */
export const renditionSchema = z.object({
  name: z.string().regex(/^w\d+$/).describe('w<width>, e.g. w320'),
  output_key: z.string(),
  content_type: z.string(),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  bytes: z.number().int().nonnegative(),
});
export type Rendition = z.infer<typeof renditionSchema>;

/** The record's `result`: the manifest (the result's body) and every rendition. */
export const thumbnailResultSchema = z.object({
  output_key: z.string().describe('The manifest: {renditions: [...]} as JSON'),
  content_type: z.literal('application/json'),
  outputs: z.array(renditionSchema),
});
export type ThumbnailResult = z.infer<typeof thumbnailResultSchema>;

/** Web renditions of an uploaded image: one decode, every width (sharp). */
export const thumbnailTaskType = defineTaskType({
  description: 'Make web renditions of an uploaded image at up to 8 widths',
  content: thumbnailContentSchema,
  input: thumbnailContentInputSchema,
  result: thumbnailResultSchema,
  uploads: { image: 'image' },
  form: { path: '/v1/thumbnails', files: { image: { at: 'image', required: true } }, optionsAt: '' },
  checkUploads: (content, uploads) => {
    const width = uploads.image?.width;
    if (content.enlarge || width === undefined) return [];
    return content.widths.flatMap((w, i) =>
      w > width ? [{ path: `widths.${i}`, message: `${w} px is wider than the image (${width} px); set enlarge to true to allow it`, code: 'too_big' }] : [],
    );
  },
});
