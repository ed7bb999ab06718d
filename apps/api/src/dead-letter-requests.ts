import { z } from 'zod';
import { ERROR_CODE_NAMES, toFieldProblems } from '@offload/contracts';
import { TASK_TYPE_PATTERN, describeSelection, type DeadLetterSelection } from '@offload/dead-letters';
import { HttpProblem, validationProblem } from './http-errors';
import { parseQuery } from './query-params';

/**
 * Entries one dead-letter call takes from the queue at most (list, re-drive or purge): past it,
 * the answer says `truncated` and the rest stay in the queue, unread. Every entry taken is held
 * in memory and unacked until the call ends.
 */
export const DEAD_LETTERS_READ_MAX = 10_000;
/** Rows `GET /v1/dead-letters` answers with when the query names no `limit`. */
export const DEAD_LETTERS_LIMIT_DEFAULT = 100;
/** Task ids one re-drive or purge names at most. */
export const DEAD_LETTER_IDS_MAX = 1_000;
/** Ids a refusal names before it says how many more. */
const IDS_NAMED_MAX = 10;

/** A parameter given more than once reaches us as an array. */
const single = z.string({ error: (issue) => (Array.isArray(issue.input) ? 'is given more than once; give it once' : 'must be a string') });

const taskType = z.string().regex(TASK_TYPE_PATTERN, 'must be a task type: a letter, then at most 31 letters, digits, _, - or .');
const reason = z.enum(ERROR_CODE_NAMES, { error: 'must be an error code (the reason column of the list, such as corrupt_image or attempts_exhausted)' });

/** `GET /v1/dead-letters`'s query: strict, so a typo (`reson=`) never lists everything. */
const listQuerySchema = z.strictObject({
  task_type: single.pipe(taskType).optional(),
  reason: single.pipe(reason).optional(),
  limit: single
    .regex(/^\d{1,6}$/, `must be a whole number from 1 to ${DEAD_LETTERS_READ_MAX}`)
    .transform(Number)
    .pipe(z.number().int().min(1, 'must be at least 1').max(DEAD_LETTERS_READ_MAX, `must be at most ${DEAD_LETTERS_READ_MAX}`))
    .default(DEAD_LETTERS_LIMIT_DEFAULT),
});

export interface DeadLetterListQuery {
  selection: DeadLetterSelection;
  limit: number;
}

/** The query of `GET /v1/dead-letters`, or a 422 with one problem per bad parameter at `query.<name>`. */
export function parseDeadLetterListQuery(query: unknown): DeadLetterListQuery {
  const { task_type, reason: byReason, limit } = parseQuery(listQuerySchema, query);
  const selection: DeadLetterSelection = task_type === undefined && byReason === undefined ? { kind: 'all' } : { kind: 'filter', task_type, reason: byReason };
  return { selection, limit };
}

const selectorShape = {
  ids: z
    .array(z.uuid({ error: 'must be a task id (a UUID)' }), { error: 'must be an array of task ids' })
    .min(1, 'must name at least one task id')
    .max(DEAD_LETTER_IDS_MAX, `must name at most ${DEAD_LETTER_IDS_MAX} task ids; select more with a filter or "all": true`),
  task_type: taskType,
  reason,
  all: z.literal(true, { error: 'must be true; to select fewer dead letters, give ids or a filter' }),
};

const redriveBodySchema = z.strictObject({
  ids: selectorShape.ids.optional(),
  task_type: selectorShape.task_type.optional(),
  reason: selectorShape.reason.optional(),
  all: selectorShape.all.optional(),
});

const purgeBodySchema = redriveBodySchema.extend({ confirm: z.unknown().optional() });

type SelectorFields = z.output<typeof redriveBodySchema>;

/** Exactly one way of selecting: ids, a filter (task_type and/or reason), or all. */
function selectionOf(body: SelectorFields, verb: string): DeadLetterSelection {
  const ways: string[][] = [];
  if (body.ids !== undefined) ways.push(['ids']);
  const filter = (['task_type', 'reason'] as const).filter((field) => body[field] !== undefined);
  if (filter.length > 0) ways.push(filter);
  if (body.all !== undefined) ways.push(['all']);
  const [first, ...others] = ways;
  if (first === undefined) {
    throw validationProblem([
      { path: '', message: `name the dead letters to ${verb}: "ids" (1 to ${DEAD_LETTER_IDS_MAX} task ids), a filter ("task_type", "reason") or "all": true`, code: 'custom' },
    ]);
  }
  if (others.length > 0) {
    // The first way given stands; each field of the others is a problem at its own path.
    const message = `give "ids", a filter ("task_type", "reason") or "all", not several: ${first.join(' and ')} already selects`;
    throw validationProblem(others.flat().map((path) => ({ path, message, code: 'custom' })));
  }
  if (body.ids !== undefined) return { kind: 'ids', ids: [...new Set(body.ids.map((id) => id.toLowerCase()))] };
  if (body.all === true) return { kind: 'all' };
  return { kind: 'filter', task_type: body.task_type, reason: body.reason };
}

function bodyProblems(error: z.ZodError): never {
  throw validationProblem(toFieldProblems(error));
}

/** The body of `POST /v1/dead-letters/redrive`, or a 422: a bare `{}` selects nothing, so nothing is re-driven by accident. */
export function parseRedriveBody(body: unknown): DeadLetterSelection {
  const parsed = redriveBodySchema.safeParse(body);
  if (!parsed.success) bodyProblems(parsed.error);
  return selectionOf(parsed.data, 're-drive');
}

/**
 * The body of `POST /v1/dead-letters/purge`, or a 422. Without `"confirm": true` the answer is a
 * 422 at `confirm` that says what the purge would have removed.
 */
export function parsePurgeBody(body: unknown): DeadLetterSelection {
  const parsed = purgeBodySchema.safeParse(body);
  if (!parsed.success) bodyProblems(parsed.error);
  const { confirm, ...fields } = parsed.data;
  const selection = selectionOf(fields, 'purge');
  if (confirm !== true) {
    const message = `purge would remove ${describeSelection(selection, IDS_NAMED_MAX)} for good (a purged task stays failed); add "confirm": true`;
    throw new HttpProblem('validation_failed', message, [{ path: 'confirm', message, code: confirm === undefined ? 'invalid_type' : 'invalid_value' }]);
  }
  return selection;
}
