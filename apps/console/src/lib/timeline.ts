import type { TaskRecord } from './domain';

/** One run of a task as the record keeps it. */
type Run = NonNullable<TaskRecord['runs']>[number];

export interface TimelineEntry {
  at: string;
  /** What happened, in a word: created, scheduled, started, retrying, … */
  kind: string;
  /** The plain-words line under it. */
  text: string;
  /** An error code, when the step failed. */
  code?: string;
  tone: 'info' | 'good' | 'bad' | 'warn';
}


/**
 * The task's life as a timeline, oldest first: created (and when it was due), each run's start
 * (with its worker) and end (outcome, error code, retry delay), the cancel request, the end, and
 * each webhook attempt. A record from before runs were kept shows its last start and end.
 */
export function taskTimeline(record: TaskRecord, formatDelay: (ms: number) => string): TimelineEntry[] {
  const entries: TimelineEntry[] = [{ at: record.created_at, kind: 'created', text: `${record.task_type} task accepted`, tone: 'info' }];
  if (record.run_at !== undefined) entries.push({ at: record.created_at, kind: 'scheduled', text: `due at ${record.run_at}`, tone: 'info' });
  const runs: readonly Run[] = record.runs ?? [];
  for (const run of runs) {
    entries.push({ at: run.started_at, kind: 'started', text: `attempt ${run.attempt}${run.worker === undefined ? '' : ` on ${run.worker}`}`, tone: 'info' });
    if (run.ended_at === undefined || run.outcome === undefined) continue;
    const tone = run.outcome === 'succeeded' ? 'good' : run.outcome === 'failed' || run.outcome === 'lost' ? 'bad' : 'warn';
    const delay = run.retry_delay_ms === undefined ? '' : `; retried in ${formatDelay(run.retry_delay_ms)}`;
    entries.push({
      at: run.ended_at,
      kind: run.outcome,
      text: `${run.error === undefined ? `attempt ${run.attempt} ${run.outcome}` : run.error.message}${delay}`,
      ...(run.error === undefined ? {} : { code: run.error.code }),
      tone,
    });
  }
  if (record.runs_dropped !== undefined) entries.push({ at: record.created_at, kind: 'earlier runs', text: `${record.runs_dropped} older runs are not kept`, tone: 'info' });
  if (runs.length === 0 && record.started_at !== undefined) entries.push({ at: record.started_at, kind: 'started', text: `attempt ${record.attempts}`, tone: 'info' });
  if (record.cancel_requested_at !== undefined) entries.push({ at: record.cancel_requested_at, kind: 'cancel requested', text: 'a client cancelled the running task', tone: 'warn' });
  const lastRunEnd = runs.at(-1)?.ended_at;
  if (record.finished_at !== undefined && lastRunEnd !== record.finished_at) {
    const tone = record.status === 'succeeded' ? 'good' : record.status === 'failed' ? 'bad' : 'warn';
    entries.push({ at: record.finished_at, kind: record.status, text: record.error?.message ?? `the task ${record.status}`, ...(record.error === undefined ? {} : { code: record.error.code }), tone });
  }
  if (record.status === 'retrying' && record.next_attempt_at !== undefined) entries.push({ at: record.next_attempt_at, kind: 'next attempt', text: 'due to run again', tone: 'info' });
  for (const attempt of record.callback?.attempts ?? []) {
    entries.push({
      at: attempt.at,
      kind: 'webhook',
      text: attempt.status_code === undefined ? (attempt.error ?? 'no answer') : `answered ${attempt.status_code}${attempt.error === undefined ? '' : `: ${attempt.error}`}`,
      tone: attempt.status_code !== undefined && attempt.status_code >= 200 && attempt.status_code < 300 ? 'good' : 'warn',
    });
  }
  return entries.map((e, i) => ({ e, i })).sort((a, b) => Date.parse(a.e.at) - Date.parse(b.e.at) || a.i - b.i).map(({ e }) => e);
}
