import { runCommand, storageOptionsFrom } from '@offload/config';
import { openStorage, RecordStoreUnavailableError, RecordStoreUnreachableError } from '@offload/storage';
import { loadKeysConfig } from './config';
import { USAGE, UsageError, parseKeysArgs } from './parse-args';
import { runKeysCommand } from './run-keys-command';

/**
 * `npm run keys -- create|list|revoke`: the entry point, and the only file with side effects.
 * Exit codes: 0 done, 1 failed (database, configuration, name taken, no such key), 2 usage.
 */
async function main(argv: readonly string[]): Promise<number> {
  let command;
  try {
    command = parseKeysArgs(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`offload keys: ${err.message}\n\n${USAGE}\n`);
    return 2;
  }
  if (command.command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const storage = await openStorage(storageOptionsFrom(loadKeysConfig(process.env)));
  try {
    return await runKeysCommand(command, storage.keys, {
      stdout: (text) => process.stdout.write(text),
      stderr: (text) => process.stderr.write(text),
    });
  } finally {
    await storage.close();
  }
}

runCommand('offload keys', () => main(process.argv.slice(2)), (err) => err instanceof RecordStoreUnreachableError || err instanceof RecordStoreUnavailableError);
