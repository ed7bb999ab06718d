import { z } from 'zod';
import { ERROR_CODE_NAMES, type ErrorCode } from './error-codes';

/** One field-level problem: `path` is dotted (`content.watermark.opacity`), `code` is zod's issue code. */
export const fieldProblemSchema = z.object({
  path: z.string(),
  message: z.string(),
  code: z.string(),
});
export type FieldProblem = z.infer<typeof fieldProblemSchema>;

/**
 * The RFC 9457 `application/problem+json` body every error answers with. `code` is one of
 * `ERROR_CODES`, whose table also gives the `status` and `title` that go with it.
 */
export const problemSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  code: z.enum(ERROR_CODE_NAMES),
  instance: z.string().optional(),
  errors: z.array(fieldProblemSchema).optional(),
});
export type Problem = z.infer<typeof problemSchema>;

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** The `type` URI of a problem with this code (relative: resolvable against the API's base URL). */
export function problemType(code: ErrorCode): string {
  return `/problems/${code.replaceAll('_', '-')}`;
}

/** Turns zod issues into one `{path, message, code}` entry per problem. */
export function toFieldProblems(error: z.ZodError, pathPrefix: readonly (string | number)[] = []): FieldProblem[] {
  return error.issues.flatMap((issue): FieldProblem[] => {
    const path = [...pathPrefix, ...issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p))];
    // One entry per unknown key, at that key's own path.
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ path: [...path, key].join('.'), message: 'unknown field', code: issue.code }));
    }
    return [{ path: path.join('.'), message: issue.message, code: issue.code }];
  });
}
