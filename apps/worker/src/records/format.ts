import { oneLine } from '../dlq/format';
import type { ImportReport, SectionReport } from './import-file-store';

/** A path as one shell word (single-quoted), for a command the operator copies. */
export function shellQuote(path: string): string {
  return /^[\w@%+=:,./-]+$/.test(path) ? path : `'${path.replaceAll("'", `'\\''`)}'`;
}

function section(name: string, report: SectionReport, dryRun: boolean, extra: string[]): string[] {
  if (!report.found) return [`${name}: no ${report.dir} directory, nothing to import`];
  const counts = [`${dryRun ? 'would import' : 'imported'} ${report.imported}`, `already present ${report.present}`, ...extra, `invalid ${report.invalid.length}`];
  return [`${name} (${report.dir}): ${counts.join(', ')}`, ...report.invalid.map((f) => `  invalid ${oneLine(f.file, 120)}: ${f.reason}`)];
}

/** `records import`: what it did (or would do), each invalid file with its reason, and what to do next. */
export function formatImportReport(report: ImportReport, retentionS: number): string {
  const { records, keys, dryRun } = report;
  const lines = [
    ...(dryRun ? ['dry run: nothing was written'] : []),
    ...section('records', records, dryRun, []),
    ...section('idempotency keys', keys, dryRun, [`expired ${keys.expired} (not imported)`]),
  ];
  if (records.pastRetention > 0) {
    const n = records.pastRetention;
    lines.push(
      `note: ${n} ${dryRun ? 'of these records' : `imported record${n === 1 ? '' : 's'}`} finished more than RETENTION_S (${retentionS} s) ago: the next retention sweep deletes ${n === 1 ? 'it and its outputs' : 'them and their outputs'} (RETENTION_S=0 keeps everything)`,
    );
  }
  const dirs = [records, keys].filter((s) => s.found).map((s) => shellQuote(s.dir));
  if (dirs.length > 0) {
    lines.push(
      dryRun
        ? 'run it without --dry-run to import; it deletes no file'
        : `no file was deleted. Once the import looks right (and no process of an older release still writes there), remove them with:\n  rm -r ${dirs.join(' ')}`,
    );
  }
  return lines.join('\n');
}

/** 0: every file is in the database (or would be); 1: some file could not be imported. */
export function importExitCode(report: ImportReport): number {
  return report.records.invalid.length + report.keys.invalid.length > 0 ? 1 : 0;
}
