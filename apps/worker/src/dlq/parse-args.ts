import { parseArgs } from 'node:util';
import { z } from 'zod';
import { OffloadError } from '@offload/contracts';
import { describeSelection, type DeadLetterSelection } from '@offload/dead-letters';

/** What a command line selects (`--all`, `--id`): every dead letter, or those of the tasks with these ids. */
export type CliSelection = Extract<DeadLetterSelection, { kind: 'all' } | { kind: 'ids' }>;

export type DlqCommand =
  | { command: 'help' }
  | { command: 'list'; json: boolean }
  | { command: 'redrive'; selection: CliSelection }
  | { command: 'purge'; selection: CliSelection };

export const USAGE = `usage: npm run dlq -- <command> [options]

commands:
  list [--json]                         print the dead-lettered tasks (a table, or a JSON array with --json)
  redrive --id <uuid> [--id ...]        put these dead-lettered tasks back on their queue
  redrive --all                         put every dead-lettered task back on its queue
  purge --id <uuid> [--id ...] --yes    remove these tasks' dead letters for good
  purge --all --yes                     remove every dead letter for good
  help                                  print this text

purge changes no task record: a purged task stays failed, with its error.

configuration: AMQP_URL, AMQP_CA_FILE, QUEUE_PREFIX, DATA_DIR, BROKER_CONNECT_TIMEOUT_MS, PUBLISH_TIMEOUT_MS, and the workers'
TASK_SIGNING_KEY and TASK_SIGNING_KEY_PREVIOUS: with a key, redrive leaves a dead letter whose signature does not
verify in the queue, and signs the copies it publishes`;

/** The command line is wrong; `main` prints the message and the usage text and exits 2. */
export class UsageError extends OffloadError {
  constructor(message: string) {
    super('validation_failed', message);
    this.name = 'UsageError';
  }
}

const uuid = z.uuid();

/** Parses `dlq` arguments (without `node` and the script). Throws UsageError. */
export function parseDlqArgs(argv: readonly string[]): DlqCommand {
  const [command, ...rest] = argv;
  if (command === undefined) throw new UsageError('missing command');
  if (command === 'help' || command === '--help' || command === '-h' || rest.includes('--help') || rest.includes('-h')) {
    return { command: 'help' };
  }
  switch (command) {
    case 'list': {
      const { values } = parseOptions(rest, { json: { type: 'boolean' } });
      return { command: 'list', json: values.json === true };
    }
    case 'redrive': {
      const { values } = parseOptions(rest, { id: { type: 'string', multiple: true }, all: { type: 'boolean' } });
      return { command: 'redrive', selection: parseSelection('redrive', values) };
    }
    case 'purge': {
      const { values } = parseOptions(rest, { id: { type: 'string', multiple: true }, all: { type: 'boolean' }, yes: { type: 'boolean' } });
      const selection = parseSelection('purge', values);
      if (values.yes !== true) throw new UsageError(`${describePurge(selection)}; add --yes to confirm`);
      return { command: 'purge', selection };
    }
    default:
      throw new UsageError(`unknown command ${JSON.stringify(command)}`);
  }
}

function parseSelection(command: string, values: { id?: string[]; all?: boolean }): CliSelection {
  const ids = values.id ?? [];
  if (values.all === true && ids.length > 0) throw new UsageError('give either --id or --all, not both');
  if (values.all === true) return { kind: 'all' };
  if (ids.length === 0) throw new UsageError(`${command} needs --id <uuid> (repeatable) or --all`);
  const bad = ids.filter((id) => !uuid.safeParse(id).success);
  if (bad.length > 0) throw new UsageError(`--id must be a task id (a UUID); got ${bad.map((id) => JSON.stringify(id)).join(', ')}`);
  return { kind: 'ids', ids: [...new Set(ids.map((id) => id.toLowerCase()))] };
}

/** What a purge without `--yes` would have removed, for the refusal. */
function describePurge(selection: CliSelection): string {
  return `purge would remove ${describeSelection(selection)} for good (a purged task stays failed)`;
}

type OptionSpec = NonNullable<Parameters<typeof parseArgs>[0]>['options'];

function parseOptions<O extends OptionSpec>(args: string[], options: O) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false });
  } catch (err) {
    // node:util's messages (`Unknown option '--x'`) are clear; later sentences are hints we do not need.
    const message = err instanceof Error ? (err.message.split('. ')[0] ?? err.message) : String(err);
    throw new UsageError(message);
  }
}
