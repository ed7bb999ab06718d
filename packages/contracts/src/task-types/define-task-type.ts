import type { z } from 'zod';
import type { FieldProblem } from '../problem';

/** What an uploaded file a task refers to must be. */
export type UploadKind = 'image' | 'dataset';

/** What the server found an upload to be, for rules that depend on it. */
export interface UploadFacts {
  /** The sniffed content type (`image/png`, `text/csv`), if it is one offload knows. */
  contentType: string | undefined;
  /** An image's width as a worker sees it (after EXIF orientation), when its header tells. */
  width?: number;
}

/**
 * How a multipart route submits a task of this type in one call: upload the files, then queue the
 * task. The route validates with the type's input schema, so nothing here restates a rule.
 */
export interface TaskForm {
  /** `POST <path>`. */
  readonly path: string;
  /** Each file field: the content field (dotted) its new upload key goes to, and whether the form needs it. */
  readonly files: Readonly<Record<string, { readonly at: string; readonly required: boolean }>>;
  /**
   * Where the text fields go in the content, dotted (`watermark`), or `''` for the top level.
   * Numbers, booleans and lists among them are read by the schema's type of each field.
   */
  readonly optionsAt: string;
}

/**
 * Everything that makes a task type, in one value: every list of types, union, queue and upload
 * check is derived from these. `content` is what a worker reads (lenient: unknown fields are
 * ignored, so a rolling deploy never dead-letters healthy tasks); `input` is what a client may
 * send (strict: unknown fields are a 422) and must accept a subset of what `content` does.
 */
export interface TaskTypeDefinition<
  Content extends z.ZodType = z.ZodType,
  Input extends z.ZodType = z.ZodType,
  Result extends z.ZodType = z.ZodType,
> {
  /** One line for docs and the JSON Schemas. */
  readonly description: string;
  readonly content: Content;
  readonly input: Input;
  /** The record's `result` of a task that succeeded. */
  readonly result: Result;
  /** Content fields (dotted paths) that hold upload keys, and what each upload must be. */
  readonly uploads: Readonly<Record<string, UploadKind>>;
  /** Its multipart route, if it has one. */
  readonly form?: TaskForm;
  /**
   * Rules that need the uploads (a mark narrower than a pixel on this image): each problem with its
   * path inside `content`. `uploads` is keyed by the content paths of `uploads` that were given.
   * The API applies it on submit; a worker enforces the same rule as a permanent failure.
   */
  readonly checkUploads?: (content: z.output<Input>, uploads: Readonly<Record<string, UploadFacts>>) => FieldProblem[];
}

/** Declares a task type; the identity, typed. */
export function defineTaskType<Content extends z.ZodType, Input extends z.ZodType, Result extends z.ZodType>(
  definition: TaskTypeDefinition<Content, Input, Result>,
): TaskTypeDefinition<Content, Input, Result> {
  return definition;
}
