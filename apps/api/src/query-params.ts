import type { z } from 'zod';
import type { FieldProblem } from '@offload/contracts';
import { validationProblem } from './http-errors';

/**
 * A route's query string (Express's simple parser: strings, arrays of strings for repeats) checked
 * against its strict schema, or a 422 with one problem per bad parameter at `query.<parameter>`; an
 * unknown parameter's problem names the ones the route takes, so a typo is plain to see.
 */
export function parseQuery<T extends z.ZodObject>(schema: T, query: unknown): z.output<T> {
  const parsed = schema.safeParse(query);
  if (parsed.success) return parsed.data;
  const parameters = Object.keys(schema.shape).join(', ');
  const problems = parsed.error.issues.flatMap((issue): FieldProblem[] =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({ path: `query.${key}`, message: `unknown parameter; this route takes ${parameters}`, code: issue.code }))
      : [{ path: `query.${String(issue.path[0] ?? '')}`, message: issue.message, code: issue.code }],
  );
  throw validationProblem(problems, 'the query failed validation');
}
