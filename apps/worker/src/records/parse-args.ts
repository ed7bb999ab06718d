import { parseArgs } from 'node:util';
import { UsageError } from '../dlq/parse-args';

export type RecordsCommand = { command: 'help' } | { command: 'import'; dryRun: boolean };

export const USAGE = `usage: npm run records -- <command> [options]

commands:
  import [--dry-run]   copy the task records (DATA_DIR/records/*.json) and Idempotency-Keys
                       (DATA_DIR/idempotency/*.json) that an older release kept in files into the
                       record database; what the database already has is left as it is, so a
                       second run imports nothing new. --dry-run only counts, and writes nothing.
  help                 print this text

import deletes no file: once its report looks right, remove the two directories (it prints how).
exit codes: 0 done, 1 failed (database, configuration, or a file that could not be imported), 2 usage.

configuration: DATA_DIR, RECORD_STORE_URL, BROKER_CONNECT_TIMEOUT_MS, RETENTION_S`;

/** Parses `records` arguments (without `node` and the script). Throws UsageError. */
export function parseRecordsArgs(argv: readonly string[]): RecordsCommand {
  const [command, ...rest] = argv;
  if (command === undefined) throw new UsageError('missing command');
  if (command === 'help' || command === '--help' || command === '-h' || rest.includes('--help') || rest.includes('-h')) {
    return { command: 'help' };
  }
  if (command !== 'import') throw new UsageError(`unknown command ${JSON.stringify(command)}`);
  try {
    const { values } = parseArgs({ args: rest, options: { 'dry-run': { type: 'boolean' } }, strict: true, allowPositionals: false });
    return { command: 'import', dryRun: values['dry-run'] === true };
  } catch (err) {
    // node:util's messages (`Unknown option '--x'`) are clear; later sentences are hints we do not need.
    throw new UsageError(err instanceof Error ? (err.message.split('. ')[0] ?? err.message) : String(err));
  }
}
