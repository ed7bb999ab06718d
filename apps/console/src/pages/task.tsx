import { useEffect, useState } from 'preact/hooks';
import type { AnalysisResult, ColumnProfile } from '@offload/contracts';
import type { Session } from '../app';
import { NoticeBanner } from '../components/banners';
import { ConfirmDialog } from '../components/confirm-dialog';
import { Heatmap } from '../components/heatmap';
import { Histogram } from '../components/histogram';
import { LiveBanner } from '../components/live-banner';
import { StatusBadge } from '../components/status-badge';
import { COLUMNS_PER_PAGE, FULL_REPORT_AUTO_BYTES } from '../lib/analysis-view';
import { isFinal, LIVE_STATUSES, type TaskRecord } from '../lib/domain';
import { formatBytes, formatDuration, formatNumber, formatTime } from '../lib/format';
import { taskTimeline } from '../lib/timeline';
import { useLive } from '../hooks';
import { redriveSummary, type RedriveAnswer } from './dead-letters';

interface Rendition {
  name: string;
  width: number;
  height: number;
  bytes: number;
  content_type: string;
}

/** One task: every field, its runs as a timeline, its result, and the actions the key allows. */
export function TaskPage({ session, id }: { session: Session; id: string }) {
  const [record, setRecord] = useState<TaskRecord | undefined>();
  const [version, setVersion] = useState<string | undefined>();
  const [notice, setNotice] = useState<string | undefined>();
  const [confirm, setConfirm] = useState<'cancel' | 'redrive' | undefined>();
  const live = useLive(`/v1/tasks/${id}/events`, session.api, {
    onEvent(event) {
      if (event.event !== 'task') return;
      setRecord(JSON.parse(event.data) as TaskRecord);
      if (event.id !== undefined) setVersion(event.id);
    },
    endIsFinal: () => record !== undefined && isFinal(record.status),
    headers: (): Record<string, string> => (version === undefined ? {} : { 'Last-Event-ID': version }),
  });

  if (record === undefined) {
    return (
      <>
        <h1>Task</h1>
        {live.kind === 'refused' && live.status === 404 ? <p class="banner banner-bad">No task with id {id} (or not one this key may see).</p> : <LiveBanner state={live} />}
      </>
    );
  }
  const canCancel = session.can.write && LIVE_STATUSES.includes(record.status) && record.cancel_requested_at === undefined;
  const canRedrive = session.can.admin && record.status === 'failed';
  return (
    <>
      <div class="page-head">
        <h1>
          Task <span class="mono">{record.id}</span>
        </h1>
        <LiveBanner state={live} />
      </div>
      <NoticeBanner message={notice} />
      <div class="actions">
        {canCancel ? (
          <button type="button" class="danger" onClick={() => setConfirm('cancel')} data-testid="cancel-task">
            Cancel task
          </button>
        ) : null}
        {canRedrive ? (
          <button type="button" class="primary" onClick={() => setConfirm('redrive')} data-testid="redrive-task">
            Re-drive
          </button>
        ) : null}
        {record.status === 'succeeded' && record.result !== undefined ? <DownloadButton session={session} record={record} /> : null}
      </div>
      <section aria-labelledby="fields">
        <h2 id="fields">Record</h2>
        <Fields record={record} />
      </section>
      <section aria-labelledby="timeline">
        <h2 id="timeline">Timeline</h2>
        <ol class="timeline" data-testid="timeline">
          {taskTimeline(record, formatDuration).map((entry, i) => (
            <li key={i} class={`tone-${entry.tone}`}>
              <time dateTime={entry.at}>{formatTime(entry.at)}</time> <strong>{entry.kind}</strong>
              {entry.code === undefined ? null : <code class="code">{entry.code}</code>} <span>{entry.text}</span>
            </li>
          ))}
        </ol>
      </section>
      {record.status === 'succeeded' && record.result !== undefined ? (
        <section aria-labelledby="result">
          <h2 id="result">Result</h2>
          <Result session={session} record={record} />
        </section>
      ) : null}
      {confirm === 'cancel' ? (
        <ConfirmDialog
          title="Cancel this task?"
          confirmLabel="Cancel task"
          danger
          onClose={() => setConfirm(undefined)}
          onConfirm={async () => {
            const next = await session.api.post<TaskRecord>(`/v1/tasks/${record.id}/cancel`);
            setRecord(next);
            setNotice(next.status === 'cancelled' ? 'Cancelled.' : 'Cancel requested: the worker stops the run within a second or two.');
          }}
        >
          <p>{record.status === 'processing' ? 'The run is aborted and nothing it produced becomes the result.' : 'It will never run.'}</p>
        </ConfirmDialog>
      ) : null}
      {confirm === 'redrive' ? (
        <ConfirmDialog
          title="Re-drive this task?"
          confirmLabel="Re-drive"
          onClose={() => setConfirm(undefined)}
          onConfirm={async () => {
            const answer = await session.api.post<RedriveAnswer>('/v1/dead-letters/redrive', { ids: [record.id] });
            setNotice(redriveSummary(answer));
          }}
        >
          <p>Its dead letter goes back to the {record.task_type} queue and the task runs again, attempts counted from zero.</p>
        </ConfirmDialog>
      ) : null}
    </>
  );
}

function Fields({ record }: { record: TaskRecord }) {
  const rows: [string, string | preact.JSX.Element][] = [
    ['Status', <StatusBadge status={record.status} />],
    ['Type', record.task_type],
    ['Tenant', record.tenant ?? 'default'],
    ['Priority', record.priority ?? 'normal'],
    ['Attempts', String(record.attempts)],
    ['Created', formatTime(record.created_at)],
    ['Updated', formatTime(record.updated_at)],
  ];
  if (record.run_at !== undefined) rows.push(['Due', formatTime(record.run_at)]);
  if (record.started_at !== undefined) rows.push(['Started', formatTime(record.started_at)]);
  if (record.finished_at !== undefined) rows.push(['Finished', formatTime(record.finished_at)]);
  if (record.next_attempt_at !== undefined) rows.push(['Next attempt', formatTime(record.next_attempt_at)]);
  if (record.progress !== undefined) rows.push(['Progress', `${Math.round(record.progress * 100)} %`]);
  if (record.lost_runs !== undefined) rows.push(['Runs lost with their worker', String(record.lost_runs)]);
  if (record.cancel_requested_at !== undefined) rows.push(['Cancel requested', formatTime(record.cancel_requested_at)]);
  if (record.error !== undefined) rows.push(['Error', `${record.error.code}: ${record.error.message}`]);
  if (record.callback !== undefined) rows.push(['Webhook', `${record.callback.url} (${record.callback.state}, ${record.callback.attempts.length} attempts)`]);
  return (
    <dl class="fields" data-testid="fields">
      {rows.map(([name, value]) => (
        <div key={name}>
          <dt>{name}</dt>
          <dd data-field={name}>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

/** An object URL for a fetched blob, revoked when the component goes. */
function useBlobUrl(session: Session, path: string | undefined): { url?: string; error?: string } {
  const [state, setState] = useState<{ url?: string; error?: string }>({});
  useEffect(() => {
    if (path === undefined) return undefined;
    const controller = new AbortController();
    let url: string | undefined;
    session.api.blob(path, controller.signal).then(
      (blob) => {
        url = URL.createObjectURL(blob);
        setState({ url });
      },
      (err: unknown) => {
        if (!controller.signal.aborted) setState({ error: err instanceof Error ? err.message : String(err) });
      },
    );
    return () => {
      controller.abort();
      if (url !== undefined) URL.revokeObjectURL(url);
    };
  }, [path, session.api]);
  return state;
}

function ResultImage({ session, path, alt, width, height }: { session: Session; path: string; alt: string; width?: number; height?: number }) {
  const { url, error } = useBlobUrl(session, path);
  if (error !== undefined) return <p class="banner banner-bad">{error}</p>;
  if (url === undefined) return <p class="muted">Loading the image…</p>;
  return <img class="result-image" src={url} alt={alt} width={width} height={height} data-testid="result-image" />;
}

function Result({ session, record }: { session: Session; record: TaskRecord }) {
  const result = record.result as Record<string, unknown> | undefined;
  if (result === undefined) return null;
  if (record.task_type === 'watermark') {
    return (
      <figure>
        <ResultImage session={session} path={`/v1/tasks/${record.id}/result`} alt="the watermarked image" />
        <figcaption>
          {String(result.format ?? '')} · {String(result.width ?? '')} × {String(result.height ?? '')} px · {formatBytes(Number(result.bytes))}
          {Number(result.pages) > 1 ? ` · ${String(result.pages)} frames` : ''}
        </figcaption>
      </figure>
    );
  }
  if (record.task_type === 'thumbnail') {
    const outputs = (Array.isArray(result.outputs) ? result.outputs : []) as Rendition[];
    return (
      <div class="renditions">
        {outputs.map((r) => (
          <figure key={r.name}>
            <ResultImage session={session} path={`/v1/tasks/${record.id}/outputs/${encodeURIComponent(r.name)}`} alt={`rendition ${r.name}`} />
            <figcaption>
              {r.name}: {r.width} × {r.height} px, {formatBytes(r.bytes)}
            </figcaption>
          </figure>
        ))}
      </div>
    );
  }
  return <AnalysisReport session={session} record={record} bytes={Number(result.bytes)} rows={Number(result.row_count)} columns={Number(result.column_count)} />;
}

function AnalysisReport({ session, record, bytes, rows, columns }: { session: Session; record: TaskRecord; bytes: number; rows: number; columns: number }) {
  const [report, setReport] = useState<AnalysisResult | undefined>();
  const [asked, setAsked] = useState(bytes <= FULL_REPORT_AUTO_BYTES);
  const [error, setError] = useState<string | undefined>();
  const [page, setPage] = useState(0);
  useEffect(() => {
    if (!asked) return undefined;
    const controller = new AbortController();
    session.api.get<AnalysisResult>(`/v1/tasks/${record.id}/result`, controller.signal).then(setReport, (err: unknown) => {
      if (!controller.signal.aborted) setError(err instanceof Error ? err.message : String(err));
    });
    return () => controller.abort();
  }, [asked, record.id, session.api]);
  const summary = (
    <p>
      {formatNumber(rows)} rows, {formatNumber(columns)} columns; the report is {formatBytes(bytes)}.
    </p>
  );
  if (!asked) {
    return (
      <>
        {summary}
        <button type="button" onClick={() => setAsked(true)} data-testid="load-report">
          Load the full report ({formatBytes(bytes)})
        </button>
      </>
    );
  }
  if (error !== undefined) return <p class="banner banner-bad">{error}</p>;
  if (report === undefined) return <p class="muted">Loading the report…</p>;
  const shown = report.columns.slice(page * COLUMNS_PER_PAGE, (page + 1) * COLUMNS_PER_PAGE);
  const pages = Math.ceil(report.columns.length / COLUMNS_PER_PAGE);
  return (
    <>
      <p>
        {report.format.toUpperCase()}: {formatNumber(report.row_count)} rows ({formatNumber(report.rows_failed)} could not be parsed), {report.columns.length} columns{report.approximate ? ', approximate statistics' : ''}.
      </p>
      <div class="table-wrap">
        <table class="list" data-testid="columns-table">
          <thead>
            <tr>
              <th scope="col">Column</th>
              <th scope="col">Type</th>
              <th scope="col">Count</th>
              <th scope="col">Missing</th>
              <th scope="col">Mean</th>
              <th scope="col">Std</th>
              <th scope="col">Min</th>
              <th scope="col">Median</th>
              <th scope="col">Max</th>
              <th scope="col">Top (freq)</th>
              <th scope="col">Histogram</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((c: ColumnProfile) => (
              <tr key={c.name}>
                <th scope="row">{c.name}</th>
                <td>{c.type}</td>
                <td>{formatNumber(c.count)}</td>
                <td>{formatNumber(c.missing)}</td>
                <td>{formatNumber(c.mean)}</td>
                <td>{formatNumber(c.std)}</td>
                <td>{formatNumber(c.min)}</td>
                <td>{formatNumber(c.p50)}</td>
                <td>{formatNumber(c.max)}</td>
                <td>{c.top === undefined || c.top === null ? '' : `${String(c.top)} (${formatNumber(c.freq)})`}</td>
                <td>{c.histogram === undefined || c.histogram === null ? null : <Histogram histogram={c.histogram} label={c.name} />}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {pages > 1 ? (
        <p class="pager">
          <button type="button" disabled={page === 0} onClick={() => setPage(page - 1)}>
            Previous columns
          </button>
          <span>
            {page + 1} / {pages}
          </span>
          <button type="button" disabled={page + 1 >= pages} onClick={() => setPage(page + 1)}>
            Next columns
          </button>
        </p>
      ) : null}
      <h3>Correlation</h3>
      <Heatmap correlation={report.correlation} />
    </>
  );
}

function DownloadButton({ session, record }: { session: Session; record: TaskRecord }) {
  const [error, setError] = useState<string | undefined>();
  const download = () => {
    session.api.blob(`/v1/tasks/${record.id}/result`).then(
      (blob) => {
        const url = URL.createObjectURL(blob);
        const a = document.createElement('a');
        a.href = url;
        a.download = `${record.task_type}-${record.id}.${extensionOf(blob.type)}`;
        document.body.append(a);
        a.click();
        a.remove();
        setTimeout(() => URL.revokeObjectURL(url), 10_000);
      },
      (err: unknown) => setError(err instanceof Error ? err.message : String(err)),
    );
  };
  return (
    <>
      <button type="button" onClick={download} data-testid="download">
        Download result
      </button>
      {error === undefined ? null : <span class="field-problem">{error}</span>}
    </>
  );
}

function extensionOf(contentType: string): string {
  const sub = contentType.split(';')[0]?.split('/')[1] ?? 'bin';
  return sub === 'jpeg' ? 'jpg' : /^[a-z0-9]{1,8}$/.test(sub) ? sub : 'bin';
}
