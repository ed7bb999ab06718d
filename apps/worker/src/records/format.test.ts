import type { ImportReport } from './import-file-store';
import { formatImportReport, importExitCode, shellQuote } from './format';

const report = (overrides: Partial<ImportReport> = {}): ImportReport => ({
  dryRun: false,
  records: { dir: '/data/records', found: true, imported: 2, present: 1, invalid: [{ file: 'x.json', reason: 'the name is not <task id>.json' }], pastRetention: 0 },
  keys: { dir: '/data/idempotency', found: true, imported: 1, present: 0, invalid: [], expired: 1 },
  ...overrides,
});

describe('formatImportReport', () => {
  it('counts each kind of file, names each invalid one with its reason, and says how to remove the files', () => {
    expect(formatImportReport(report(), 604_800)).toBe(
      [
        'records (/data/records): imported 2, already present 1, invalid 1',
        '  invalid x.json: the name is not <task id>.json',
        'idempotency keys (/data/idempotency): imported 1, already present 0, expired 1 (not imported), invalid 0',
        'no file was deleted. Once the import looks right (and no process of an older release still writes there), remove them with:',
        '  rm -r /data/records /data/idempotency',
      ].join('\n'),
    );
    expect(importExitCode(report())).toBe(1);
  });

  it('says what a dry run would import, and warns of records past retention', () => {
    const dry = report({ dryRun: true, records: { ...report().records, invalid: [], pastRetention: 1 } });
    expect(formatImportReport(dry, 60)).toBe(
      [
        'dry run: nothing was written',
        'records (/data/records): would import 2, already present 1, invalid 0',
        'idempotency keys (/data/idempotency): would import 1, already present 0, expired 1 (not imported), invalid 0',
        'note: 1 of these records finished more than RETENTION_S (60 s) ago: the next retention sweep deletes it and its outputs (RETENTION_S=0 keeps everything)',
        'run it without --dry-run to import; it deletes no file',
      ].join('\n'),
    );
    expect(importExitCode(dry)).toBe(0);
  });

  it('says when there is nothing to import', () => {
    const none = report({ records: { ...report().records, found: false, invalid: [] }, keys: { ...report().keys, found: false } });
    expect(formatImportReport(none, 60)).toBe(
      ['records: no /data/records directory, nothing to import', 'idempotency keys: no /data/idempotency directory, nothing to import'].join('\n'),
    );
  });
});

describe('shellQuote', () => {
  it('leaves a plain path as it is and single-quotes any other', () => {
    expect(shellQuote('/srv/offload-data/records')).toBe('/srv/offload-data/records');
    expect(shellQuote("/srv/it's here/records")).toBe(`'/srv/it'\\''s here/records'`);
  });
});
