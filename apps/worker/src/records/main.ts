import { runCommand, storageOptionsFrom } from '@offload/config';
import { openStorage, RecordStoreUnavailableError, RecordStoreUnreachableError } from '@offload/storage';
import { UsageError } from '../dlq/parse-args';
import { loadRecordsConfig } from './config';
import { formatImportReport, importExitCode } from './format';
import { importFileStore } from './import-file-store';
import { USAGE, parseRecordsArgs } from './parse-args';

/**
 * `npm run records -- import`: the entry point, and the only file with side effects.
 * Exit codes: 0 done, 1 failed (database, configuration, a file that could not be imported), 2 usage.
 */
async function main(argv: readonly string[]): Promise<number> {
  let command;
  try {
    command = parseRecordsArgs(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`offload records: ${err.message}\n\n${USAGE}\n`);
    return 2;
  }
  if (command.command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const config = loadRecordsConfig(process.env);
  const storage = await openStorage(storageOptionsFrom(config));
  try {
    const report = await importFileStore(storage, { dataDir: config.DATA_DIR, dryRun: command.dryRun, retentionMs: config.RETENTION_S * 1000 });
    process.stdout.write(`${formatImportReport(report, config.RETENTION_S)}\n`);
    return importExitCode(report);
  } finally {
    await storage.close();
  }
}

runCommand('offload records', () => main(process.argv.slice(2)), (err) => err instanceof RecordStoreUnreachableError || err instanceof RecordStoreUnavailableError);
