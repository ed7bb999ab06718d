import { UsageError } from '../dlq/parse-args';
import { parseRecordsArgs } from './parse-args';

describe('parseRecordsArgs', () => {
  it('reads import, with and without --dry-run', () => {
    expect(parseRecordsArgs(['import'])).toEqual({ command: 'import', dryRun: false });
    expect(parseRecordsArgs(['import', '--dry-run'])).toEqual({ command: 'import', dryRun: true });
  });

  it('answers help for help, --help and -h anywhere', () => {
    for (const argv of [['help'], ['--help'], ['-h'], ['import', '--help'], ['import', '--dry-run', '-h']]) {
      expect(parseRecordsArgs(argv)).toEqual({ command: 'help' });
    }
  });

  it('refuses a missing or unknown command, an unknown option and a positional argument', () => {
    expect(() => parseRecordsArgs([])).toThrow(new UsageError('missing command'));
    expect(() => parseRecordsArgs(['export'])).toThrow(new UsageError('unknown command "export"'));
    expect(() => parseRecordsArgs(['import', '--force'])).toThrow(UsageError);
    expect(() => parseRecordsArgs(['import', '/data'])).toThrow(UsageError);
  });
});
