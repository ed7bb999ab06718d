import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import type { ConsoleEvents } from '@offload/contracts';
import type { Session } from '../app';
import { NoticeBanner, ProblemBanner } from '../components/banners';
import { ConfirmDialog } from '../components/confirm-dialog';
import { LiveBanner } from '../components/live-banner';
import { StatusBadge } from '../components/status-badge';
import { STATUSES, TASK_TYPE_LIST, type TaskRecord, type TaskStatus, type TaskType } from '../lib/domain';
import { formatAgo, formatTime } from '../lib/format';
import { taskHref, tasksHref } from '../lib/hash-route';
import { filtersFromQuery, filtersToQuery, parseIdSearch, type TaskFilters } from '../lib/task-filters';
import { mergeChanges } from '../lib/task-list-merge';
import { useLive, useNow } from '../hooks';
import { redriveSummary, type RedriveAnswer } from './dead-letters';

const PAGE_SIZE = 50;

interface ListBody {
  tasks: TaskRecord[];
  next_cursor?: string;
}

/** datetime-local's value (local time, no zone) for an RFC 3339 time, and back. */
function toLocalInput(iso: string): string {
  if (iso === '') return '';
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
function fromLocalInput(value: string): string {
  const ms = Date.parse(value);
  return value === '' || Number.isNaN(ms) ? '' : new Date(ms).toISOString();
}

/**
 * The tasks, newest first, a page at a time (the listing's cursor), filtered by any combination of
 * status, type, time range, tenant (admins) and id. New and changed tasks arrive on the page's one
 * live stream and are merged in place; a `resync` (more changed than the feed carries) reloads.
 */
export function Tasks({ session, query }: { session: Session; query: URLSearchParams }) {
  const filters = filtersFromQuery(query);
  const filterKey = filtersToQuery(filters).toString();
  const [rows, setRows] = useState<TaskRecord[]>([]);
  const [cursor, setCursor] = useState<string | undefined>();
  const [pages, setPages] = useState(1);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | undefined>();
  const [notice, setNotice] = useState<string | undefined>();
  const [confirm, setConfirm] = useState<'redrive' | undefined>();
  const now = useNow(5_000);
  const loadSeq = useRef(0);

  const load = useCallback(() => {
    const seq = ++loadSeq.current;
    setLoading(true);
    const params = filtersToQuery(filters);
    params.set('limit', String(PAGE_SIZE));
    session.api.get<ListBody>(`/v1/tasks?${params.toString()}`).then(
      (body) => {
        if (seq !== loadSeq.current) return;
        setRows(body.tasks);
        setCursor(body.next_cursor);
        setPages(1);
        setError(undefined);
        setLoading(false);
      },
      (err: unknown) => {
        if (seq !== loadSeq.current) return;
        setError(err instanceof Error ? err.message : String(err));
        setLoading(false);
      },
    );
    // filterKey stands for the filters.
  }, [filterKey, session.api]);

  // New filters: the rows of the old ones go at once (not when the new page arrives), so nothing
  // shown ever contradicts the filters. A resync or a reconnect reloads in place instead.
  useEffect(() => {
    setRows([]);
    setCursor(undefined);
    load();
  }, [load]);

  const more = () => {
    if (cursor === undefined) return;
    const params = filtersToQuery(filters);
    params.set('limit', String(PAGE_SIZE));
    params.set('cursor', cursor);
    setLoading(true);
    session.api.get<ListBody>(`/v1/tasks?${params.toString()}`).then(
      (body) => {
        setRows((shown) => [...shown, ...body.tasks.filter((t) => !shown.some((s) => s.id === t.id))]);
        setCursor(body.next_cursor);
        setPages((n) => n + 1);
        setLoading(false);
      },
      (err: unknown) => {
        setError(err instanceof Error ? err.message : String(err));
        setLoading(false);
      },
    );
  };

  const live = useLive(`/v1/events?topics=tasks${filters.tenant === '' ? '' : `&tenant=${encodeURIComponent(filters.tenant)}`}`, session.api, {
    onEvent(event) {
      if (event.event === 'tasks') {
        const { tasks } = JSON.parse(event.data) as ConsoleEvents['tasks'];
        setRows((shown) => mergeChanges(shown, tasks, filters, { firstPage: pages === 1, max: PAGE_SIZE * pages }));
      } else if (event.event === 'resync') {
        load();
      }
    },
    // What changed while the stream was down is read from the listing again.
    onConnected: load,
  });

  const go = (next: TaskFilters) => {
    window.location.hash = tasksHref(filtersToQuery(next));
  };
  const failedShown = rows.filter((r) => r.status === 'failed');
  const canRedrive = session.can.admin && filters.statuses.length === 1 && filters.statuses[0] === 'failed' && failedShown.length > 0;

  return (
    <>
      <div class="page-head">
        <h1>Tasks</h1>
        <LiveBanner state={live} />
      </div>
      <FilterForm filters={filters} admin={session.can.admin} onApply={go} />
      <ProblemBanner message={error} />
      <NoticeBanner message={notice} />
      {canRedrive ? (
        <p>
          <button type="button" class="primary" onClick={() => setConfirm('redrive')} data-testid="redrive-shown">
            Re-drive {failedShown.length} failed task{failedShown.length === 1 ? '' : 's'} shown
          </button>
        </p>
      ) : null}
      <div class="table-wrap">
        <table class="list" data-testid="task-table" aria-busy={loading}>
          <thead>
            <tr>
              <th scope="col">Task</th>
              <th scope="col">Type</th>
              <th scope="col">Status</th>
              <th scope="col">Created</th>
              <th scope="col">Attempts</th>
              {session.can.admin ? <th scope="col">Tenant</th> : null}
              <th scope="col">Error</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((task) => (
              <tr key={task.id} data-task-id={task.id} data-status={task.status}>
                <td>
                  <a href={taskHref(task.id)} class="mono">
                    {task.id.slice(0, 8)}
                  </a>
                </td>
                <td>{task.task_type}</td>
                <td>
                  <StatusBadge status={task.status} />
                  {task.priority === 'high' ? <span class="tag">high</span> : null}
                </td>
                <td title={formatTime(task.created_at)}>{formatAgo(task.created_at, now)}</td>
                <td>{task.attempts}</td>
                {session.can.admin ? <td>{task.tenant ?? ''}</td> : null}
                <td class="error-cell">{task.error === undefined ? '' : `${task.error.code}: ${task.error.message}`}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {rows.length === 0 && !loading ? <p class="muted">No task matches these filters.</p> : null}
      <p>
        {cursor === undefined ? (
          <span class="muted">{rows.length > 0 ? 'The end of the list.' : ''}</span>
        ) : (
          <button type="button" onClick={more} disabled={loading}>
            Load older tasks
          </button>
        )}
      </p>
      {confirm === 'redrive' ? (
        <ConfirmDialog
          title="Re-drive failed tasks"
          confirmLabel={`Re-drive ${failedShown.length}`}
          onClose={() => setConfirm(undefined)}
          onConfirm={async () => {
            const answer = await session.api.post<RedriveAnswer>('/v1/dead-letters/redrive', { ids: failedShown.map((t) => t.id) });
            setNotice(redriveSummary(answer));
            load();
          }}
        >
          <p>
            The {failedShown.length} failed task{failedShown.length === 1 ? '' : 's'} on this page go back to their queue from the dead letters and run again.
          </p>
        </ConfirmDialog>
      ) : null}
    </>
  );
}

function FilterForm({ filters, admin, onApply }: { filters: TaskFilters; admin: boolean; onApply(next: TaskFilters): void }) {
  const [draft, setDraft] = useState(filters);
  const [search, setSearch] = useState(filters.idPrefix);
  const [problem, setProblem] = useState<string | undefined>();
  useEffect(() => {
    setDraft(filters);
    setSearch(filters.idPrefix);
  }, [filtersToQuery(filters).toString()]);

  const toggle = <T extends string>(list: T[], value: T): T[] => (list.includes(value) ? list.filter((v) => v !== value) : [...list, value]);
  const submit = (event: Event) => {
    event.preventDefault();
    const parsed = parseIdSearch(search);
    if (parsed.kind === 'invalid') {
      setProblem(parsed.message);
      return;
    }
    setProblem(undefined);
    if (parsed.kind === 'id') {
      window.location.hash = taskHref(parsed.id);
      return;
    }
    onApply({ ...draft, idPrefix: parsed.kind === 'prefix' ? parsed.prefix : '' });
  };
  return (
    <form class="filters" onSubmit={submit} aria-label="Filter tasks">
      <fieldset>
        <legend>Status</legend>
        {STATUSES.map((status: TaskStatus) => (
          <label key={status} class="check">
            <input type="checkbox" name="status" value={status} checked={draft.statuses.includes(status)} onChange={() => setDraft({ ...draft, statuses: toggle(draft.statuses, status) })} />
            {status}
          </label>
        ))}
      </fieldset>
      <fieldset>
        <legend>Type</legend>
        {TASK_TYPE_LIST.map((type: TaskType) => (
          <label key={type} class="check">
            <input type="checkbox" name="task_type" value={type} checked={draft.taskTypes.includes(type)} onChange={() => setDraft({ ...draft, taskTypes: toggle(draft.taskTypes, type) })} />
            {type}
          </label>
        ))}
      </fieldset>
      <fieldset class="row">
        <legend>Created</legend>
        <label>
          after <input type="datetime-local" name="created_after" value={toLocalInput(draft.createdAfter)} onChange={(e) => setDraft({ ...draft, createdAfter: fromLocalInput(e.currentTarget.value) })} />
        </label>
        <label>
          before <input type="datetime-local" name="created_before" value={toLocalInput(draft.createdBefore)} onChange={(e) => setDraft({ ...draft, createdBefore: fromLocalInput(e.currentTarget.value) })} />
        </label>
        {admin ? (
          <label>
            tenant <input type="text" name="tenant" value={draft.tenant} onInput={(e) => setDraft({ ...draft, tenant: e.currentTarget.value.trim() })} placeholder="every tenant" />
          </label>
        ) : null}
      </fieldset>
      <div class="row">
        <label for="search">Task id</label>
        <input id="search" type="search" name="id" value={search} onInput={(e) => setSearch(e.currentTarget.value)} placeholder="a whole id or its start" spellcheck={false} aria-invalid={problem !== undefined} aria-describedby="search-problem" />
        <button type="submit" class="primary">
          Apply
        </button>
        <a href="#/tasks">Clear</a>
      </div>
      <p id="search-problem" class="field-problem" role={problem === undefined ? undefined : 'alert'}>
        {problem ?? ''}
      </p>
    </form>
  );
}
