import type { Spread } from './stats';

/** One line of the suite's table: offload's figure against one baseline, measured in the same run. */
export interface TableLine {
  row: string;
  /** What is measured, with its unit (`tasks/s`, `p99 ms`). */
  metric: string;
  /** How figures print: rates as integers, times with one decimal. */
  unit: 'per_s' | 'ms' | 's' | 'mb' | 'x' | 'count';
  offload?: Spread;
  baseline?: { name: string; value: Spread };
  /** offload ÷ baseline over paired runs. */
  ratio?: Spread;
  target?: string;
  /** undefined: no target, or not measured. */
  met?: boolean;
  /** Why a figure is missing, or what qualifies it. */
  note?: string;
}

export interface RowResult {
  row: string;
  lines: TableLine[];
  /** Everything measured, per run, for the JSON file. */
  details: Record<string, unknown>;
  seconds: number;
  error?: string;
}

function num(value: number, unit: TableLine['unit']): string {
  if (!Number.isFinite(value)) return '–';
  switch (unit) {
    case 'per_s':
      return value >= 100 ? Math.round(value).toLocaleString('en-US') : value.toFixed(1);
    case 'mb':
    case 'count':
      return Math.round(value).toLocaleString('en-US');
    case 'x':
      return `${value.toFixed(2)}×`;
    default:
      return value >= 100 ? Math.round(value).toLocaleString('en-US') : value.toFixed(1);
  }
}

export function formatSpread(s: Spread | undefined, unit: TableLine['unit']): string {
  if (!s || !Number.isFinite(s.median)) return '–';
  if (s.runs.length < 2 || s.min === s.max) return num(s.median, unit);
  return `${num(s.median, unit)} (${num(s.min, unit)}–${num(s.max, unit)})`;
}

/** The suite's one table, as Markdown (readable in a terminal and pasteable into RESULTS.md). */
export function renderTable(lines: readonly TableLine[]): string {
  const header = ['row', 'metric', 'offload', 'baseline', 'baseline figure', 'ratio', 'target', 'met?'];
  const rows = lines.map((l) => [
    l.row,
    l.metric,
    formatSpread(l.offload, l.unit),
    l.baseline?.name ?? '',
    formatSpread(l.baseline?.value, l.unit),
    formatSpread(l.ratio, 'x'),
    l.target ?? '',
    l.met === undefined ? '' : l.met ? 'yes' : 'NO',
  ]);
  const notes = lines.filter((l) => l.note).map((l) => `- ${l.row}, ${l.metric}: ${l.note}`);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const fmt = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [fmt(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(fmt), ...(notes.length ? ['', ...notes] : [])].join('\n');
}

/** A row that could not be measured still gets a line that says why. */
export function failedRow(row: string, err: unknown, seconds: number): RowResult {
  const message = err instanceof Error ? err.message.split('\n')[0] ?? err.message : String(err);
  return { row, lines: [{ row, metric: 'not measured', unit: 'x', note: message }], details: { error: err instanceof Error ? (err.stack ?? err.message) : String(err) }, seconds, error: message };
}
