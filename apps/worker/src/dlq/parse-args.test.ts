import { parseDlqArgs, UsageError } from './parse-args';

const ID = '6f1c7b3e-1d2a-4c5b-9e8f-0a1b2c3d4e5f';
const OTHER = 'a0a1a2a3-b4b5-4c6c-8d7d-e8e9eaebeced';

describe('parseDlqArgs', () => {
  it('reads list, with and without --json', () => {
    expect(parseDlqArgs(['list'])).toEqual({ command: 'list', json: false });
    expect(parseDlqArgs(['list', '--json'])).toEqual({ command: 'list', json: true });
  });

  it('reads repeated --id, lower-cased and without duplicates', () => {
    expect(parseDlqArgs(['redrive', '--id', ID, '--id', OTHER.toUpperCase(), `--id=${ID}`])).toEqual({
      command: 'redrive',
      selection: { kind: 'ids', ids: [ID, OTHER] },
    });
  });

  it('reads --all', () => {
    expect(parseDlqArgs(['redrive', '--all'])).toEqual({ command: 'redrive', selection: { kind: 'all' } });
  });

  it('reads purge by --id or --all with --yes, in any order', () => {
    expect(parseDlqArgs(['purge', '--yes', '--id', ID.toUpperCase(), '--id', OTHER, '--id', ID])).toEqual({
      command: 'purge',
      selection: { kind: 'ids', ids: [ID, OTHER] },
    });
    expect(parseDlqArgs(['purge', '--all', '--yes'])).toEqual({ command: 'purge', selection: { kind: 'all' } });
  });

  it('refuses a purge without --yes, saying what it would remove', () => {
    expect(() => parseDlqArgs(['purge', '--all'])).toThrow(
      new UsageError('purge would remove every dead letter in the queue for good (a purged task stays failed); add --yes to confirm'),
    );
    expect(() => parseDlqArgs(['purge', '--id', ID])).toThrow(`purge would remove the dead letters of task ${ID} for good`);
    expect(() => parseDlqArgs(['purge', '--id', ID, '--id', OTHER])).toThrow(`the dead letters of 2 tasks: ${ID}, ${OTHER} for good`);
  });

  it('answers help for help, --help and -h anywhere', () => {
    for (const argv of [['help'], ['--help'], ['-h'], ['redrive', '--help'], ['list', '-h'], ['purge', '--all', '--help']]) {
      expect(parseDlqArgs(argv)).toEqual({ command: 'help' });
    }
  });

  it.each([
    [[], /missing command/],
    [['prune'], /unknown command "prune"/],
    [['purge'], /purge needs --id <uuid> \(repeatable\) or --all/],
    [['purge', '--yes'], /purge needs --id <uuid> \(repeatable\) or --all/],
    [['purge', '--id', 'nope', '--yes'], /--id must be a task id \(a UUID\); got "nope"/],
    [['purge', '--id', 'nope'], /--id must be a task id/],
    [['purge', '--all', '--id', ID, '--yes'], /either --id or --all, not both/],
    [['purge', '--all', '--yes=no'], /does not take an argument/],
    [['purge', '--all', '-y'], /Unknown option '-y'/],
    [['redrive', '--all', '--yes'], /Unknown option '--yes'/],
    [['list', '--bogus'], /Unknown option '--bogus'/],
    [['list', 'extra'], /Unexpected argument 'extra'/],
    [['list', '--all'], /Unknown option '--all'/],
    [['redrive'], /--id <uuid> \(repeatable\) or --all/],
    [['redrive', '--id'], /argument missing/],
    [['redrive', '--id', 'nope', '--id', ID], /--id must be a task id \(a UUID\); got "nope"/],
    [['redrive', '--all', '--id', ID], /either --id or --all, not both/],
    [['redrive', '--all=yes'], /does not take an argument/],
    [['redrive', '--json', '--all'], /Unknown option '--json'/],
  ])('throws a UsageError for %j', (argv, message) => {
    expect(() => parseDlqArgs(argv)).toThrow(UsageError);
    expect(() => parseDlqArgs(argv)).toThrow(message);
  });
});
