/** A duration for people: 850 ms, 4.2 s, 3 min 5 s, 2 h 10 min. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '–';
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  if (ms < 3_600_000) return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1_000)} s`;
  return `${Math.floor(ms / 3_600_000)} h ${Math.round((ms % 3_600_000) / 60_000)} min`;
}

/** Times this close ahead of `nowMs` read as now (the page's clock ticks, the server's does not wait). */
const JUST_NOW_MS = 10_000;

/** How long ago `iso` was, relative to `nowMs`: "12 s ago", "in 3 min". */
export function formatAgo(iso: string | undefined, nowMs: number): string {
  if (iso === undefined) return '–';
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return '–';
  const diff = nowMs - at;
  // `nowMs` ticks every few seconds: a row that arrived since is not in the future.
  if (diff < 0 && diff > -JUST_NOW_MS) return 'just now';
  return diff >= 0 ? `${formatDuration(diff)} ago` : `in ${formatDuration(-diff)}`;
}

/** A byte count for people: 512 B, 1.5 KiB, 20.3 MiB. */
export function formatBytes(bytes: number | undefined): string {
  if (bytes === undefined || !Number.isFinite(bytes)) return '–';
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit] ?? ''}`;
}

/** A timestamp in the viewer's zone, to the second: 2026-12-02 14:03:09. */
export function formatTime(iso: string | undefined): string {
  if (iso === undefined) return '–';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '–';
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** A number for a table: integers as they are, others to 4 significant digits. */
export function formatNumber(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  return Number.isInteger(value) ? value.toLocaleString('en-US') : value.toPrecision(4);
}

/** A ratio as a percentage: 0.0312 → 3.1 %. */
export function formatPercent(ratio: number | null | undefined): string {
  if (ratio === null || ratio === undefined || !Number.isFinite(ratio)) return '–';
  return `${(ratio * 100).toFixed(ratio < 0.1 ? 1 : 0)} %`;
}
