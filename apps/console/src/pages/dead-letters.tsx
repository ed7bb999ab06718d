import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import type { Session } from '../app';
import { NoticeBanner, ProblemBanner } from '../components/banners';
import { ConfirmDialog } from '../components/confirm-dialog';
import { LiveBanner } from '../components/live-banner';
import { TASK_TYPE_LIST } from '../lib/domain';
import { formatAgo, formatNumber, formatTime } from '../lib/format';
import { taskHref } from '../lib/hash-route';
import type { StatsEvent } from '../lib/stats-view';
import { useLive, useNow } from '../hooks';

/** One dead letter as GET /v1/dead-letters lists it. */
interface DeadLetter {
  id: string | null;
  task_type: string | null;
  reason: string;
  error: string;
  attempts: number | null;
  dead_lettered_at: string | null;
  source_queue: string | null;
  decodable: boolean;
}

interface ListBody {
  dead_letters: DeadLetter[];
  total: number;
  truncated: boolean;
}

/** What a re-drive answers: how many went back, and what became of each one selected. */
export interface RedriveAnswer {
  redriven: number;
  outcomes: { kind: string; id?: string | null }[];
}

/** "Re-drove 3 of 4: 1 still running" — what the operator reads after a re-drive. */
export function redriveSummary(answer: RedriveAnswer): string {
  const others = new Map<string, number>();
  for (const o of answer.outcomes) if (o.kind !== 'redriven') others.set(o.kind, (others.get(o.kind) ?? 0) + 1);
  const rest = [...others].map(([kind, n]) => `${n} ${kind.replaceAll('_', ' ')}`).join(', ');
  return `Re-drove ${answer.redriven} of ${answer.outcomes.length}${rest === '' ? '' : ` (${rest})`}.`;
}

/** Dead letters one page shows (the route reads at most 10 000 a call; `total` counts them all). */
const LIST_LIMIT = 500;

type Pending = { kind: 'redrive-one'; row: DeadLetter } | { kind: 'redrive-filtered' } | { kind: 'purge' };

/**
 * The dead-letter queue: why each task ended there, re-drive one or the filtered set, purge; each
 * action confirmed, each answering how many it touched. The list is read again whenever the
 * queue's depth changes (the page's one stream carries the depth).
 */
export function DeadLetters({ session }: { session: Session }) {
  const [filter, setFilter] = useState<{ task_type: string; reason: string }>({ task_type: '', reason: '' });
  const [body, setBody] = useState<ListBody | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [notice, setNotice] = useState<string | undefined>();
  const [pending, setPending] = useState<Pending | undefined>();
  const depth = useRef<number | null | undefined>(undefined);
  const now = useNow(5_000);

  const query = new URLSearchParams([...Object.entries(filter).filter(([, v]) => v !== ''), ['limit', String(LIST_LIMIT)]]).toString();
  const load = useCallback(() => {
    if (!session.can.admin) return;
    session.api.get<ListBody>(`/v1/dead-letters?${query}`).then(
      (next) => {
        setBody(next);
        setError(undefined);
      },
      (err: unknown) => setError(err instanceof Error ? err.message : String(err)),
    );
  }, [query, session]);
  useEffect(load, [load]);

  const live = useLive(session.can.admin ? '/v1/events?topics=stats' : undefined, session.api, {
    onEvent(event) {
      if (event.event !== 'stats') return;
      const next = (JSON.parse(event.data) as StatsEvent).queues.dead_letter.depth;
      if (depth.current !== undefined && next !== depth.current) load();
      depth.current = next;
    },
  });

  if (!session.can.admin) {
    return (
      <>
        <h1>Dead letters</h1>
        <p class="banner">The dead-letter queue is for admin keys; this key is {session.can.write ? 'read and cancel' : 'read-only'}.</p>
      </>
    );
  }
  const selector = { ...(filter.task_type === '' ? {} : { task_type: filter.task_type }), ...(filter.reason === '' ? {} : { reason: filter.reason }) };
  const filtered = Object.keys(selector).length > 0;
  const reasons = [...new Set(body?.dead_letters.map((d) => d.reason) ?? [])].sort();
  const count = body?.total ?? 0;
  return (
    <>
      <div class="page-head">
        <h1>Dead letters</h1>
        <LiveBanner state={live} />
      </div>
      <form class="filters row" onSubmit={(e) => e.preventDefault()} aria-label="Filter dead letters">
        <label>
          Type{' '}
          <select value={filter.task_type} onChange={(e) => setFilter({ ...filter, task_type: e.currentTarget.value })} name="task_type">
            <option value="">every type</option>
            {TASK_TYPE_LIST.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
        </label>
        <label>
          Reason{' '}
          <select value={filter.reason} onChange={(e) => setFilter({ ...filter, reason: e.currentTarget.value })} name="reason">
            <option value="">every reason</option>
            {[...new Set([...reasons, ...(filter.reason === '' ? [] : [filter.reason])])].map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        </label>
        <button type="button" class="primary" disabled={count === 0} onClick={() => setPending({ kind: 'redrive-filtered' })} data-testid="redrive-filtered">
          Re-drive {filtered ? 'these' : 'all'} {formatNumber(count)}
        </button>
        <button type="button" class="danger" disabled={count === 0} onClick={() => setPending({ kind: 'purge' })} data-testid="purge">
          Purge {filtered ? 'these' : 'all'} {formatNumber(count)}
        </button>
      </form>
      <ProblemBanner message={error} />
      <NoticeBanner message={notice} />
      {body !== undefined && body.total > body.dead_letters.length ? (
        <p class="banner">
          Showing the first {formatNumber(body.dead_letters.length)} of {formatNumber(body.total)}
          {body.truncated === true ? '+ (the queue holds more than one read takes)' : ''}.
        </p>
      ) : null}
      <div class="table-wrap">
        <table class="list" data-testid="dead-letter-table">
          <thead>
            <tr>
              <th scope="col">Task</th>
              <th scope="col">Type</th>
              <th scope="col">Reason</th>
              <th scope="col">Error</th>
              <th scope="col">Attempts</th>
              <th scope="col">Dead-lettered</th>
              <th scope="col">Action</th>
            </tr>
          </thead>
          <tbody>
            {(body?.dead_letters ?? []).map((d, i) => (
              <tr key={`${d.id ?? 'unknown'}-${i}`} data-task-id={d.id ?? ''}>
                <td>{d.id === null ? <span class="muted">unreadable</span> : <a href={taskHref(d.id)} class="mono">{d.id.slice(0, 8)}</a>}</td>
                <td>{d.task_type ?? ''}</td>
                <td>
                  <code class="code">{d.reason}</code>
                </td>
                <td class="error-cell">{d.error}</td>
                <td>{d.attempts ?? '–'}</td>
                <td title={d.dead_lettered_at === null ? undefined : formatTime(d.dead_lettered_at)}>{d.dead_lettered_at === null ? '–' : formatAgo(d.dead_lettered_at, now)}</td>
                <td>
                  {d.decodable && d.id !== null ? (
                    <button type="button" onClick={() => setPending({ kind: 'redrive-one', row: d })}>
                      Re-drive
                    </button>
                  ) : (
                    <span class="muted">cannot be re-driven</span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {body !== undefined && body.dead_letters.length === 0 ? <p class="muted">No dead letters{filtered ? ' match' : ''}.</p> : null}
      {pending?.kind === 'redrive-one' ? (
        <ConfirmDialog
          title="Re-drive this task?"
          confirmLabel="Re-drive"
          onClose={() => setPending(undefined)}
          onConfirm={async () => {
            setNotice(redriveSummary(await session.api.post<RedriveAnswer>('/v1/dead-letters/redrive', { ids: [pending.row.id] })));
            load();
          }}
        >
          <p>
            Task {pending.row.id} ({pending.row.task_type}) goes back to its queue and runs again.
          </p>
        </ConfirmDialog>
      ) : null}
      {pending?.kind === 'redrive-filtered' ? (
        <ConfirmDialog
          title={`Re-drive ${formatNumber(count)} dead letters?`}
          confirmLabel={`Re-drive ${formatNumber(count)}`}
          onClose={() => setPending(undefined)}
          onConfirm={async () => {
            setNotice(redriveSummary(await session.api.post<RedriveAnswer>('/v1/dead-letters/redrive', filtered ? selector : { all: true })));
            load();
          }}
        >
          <p>Every dead letter {filtered ? 'matching the filter ' : ''}goes back to its queue and runs again.</p>
        </ConfirmDialog>
      ) : null}
      {pending?.kind === 'purge' ? (
        <ConfirmDialog
          title={`Purge ${formatNumber(count)} dead letters for good?`}
          confirmLabel={`Purge ${formatNumber(count)}`}
          danger
          onClose={() => setPending(undefined)}
          onConfirm={async () => {
            const answer = await session.api.post<{ purged: number }>('/v1/dead-letters/purge', { ...(filtered ? selector : { all: true }), confirm: true });
            setNotice(`Purged ${answer.purged}.`);
            load();
          }}
        >
          <p>They cannot be re-driven afterwards; their tasks stay failed, with their errors.</p>
        </ConfirmDialog>
      ) : null}
    </>
  );
}
