import { useState } from 'preact/hooks';
import type { ConsoleEvents, WorkerView } from '@offload/contracts';
import type { Session } from '../app';
import { LiveBanner } from '../components/live-banner';
import { formatAgo, formatTime } from '../lib/format';
import { taskHref } from '../lib/hash-route';
import { useLive, useNow } from '../hooks';

/** The worker processes, live ones first, lost ones marked (from their heartbeats). */
export function Workers({ session }: { session: Session }) {
  const [workers, setWorkers] = useState<WorkerView[] | undefined>();
  const now = useNow(1_000);
  const live = useLive(session.can.admin ? '/v1/events?topics=workers' : undefined, session.api, {
    onEvent(event) {
      if (event.event === 'workers') setWorkers((JSON.parse(event.data) as ConsoleEvents['workers']).workers);
    },
  });
  if (!session.can.admin) {
    return (
      <>
        <h1>Workers</h1>
        <p class="banner">The worker list is for admin keys.</p>
      </>
    );
  }
  const sorted = [...(workers ?? [])].sort((a, b) => (a.status === b.status ? b.last_beat_at.localeCompare(a.last_beat_at) : a.status === 'live' ? -1 : 1));
  const liveCount = sorted.filter((w) => w.status === 'live').length;
  return (
    <>
      <div class="page-head">
        <h1>Workers</h1>
        <LiveBanner state={live} />
      </div>
      <p>
        {liveCount} live, {sorted.length - liveCount} lost in the last day.
      </p>
      <div class="table-wrap">
        <table class="list" data-testid="worker-table">
          <thead>
            <tr>
              <th scope="col">Host</th>
              <th scope="col">PID</th>
              <th scope="col">Status</th>
              <th scope="col">Version</th>
              <th scope="col">Task types</th>
              <th scope="col">Running</th>
              <th scope="col">Last beat</th>
              <th scope="col">Started</th>
            </tr>
          </thead>
          <tbody>
            {sorted.map((w) => (
              <tr key={w.id} data-status={w.status}>
                <td>{w.host}</td>
                <td>{w.pid}</td>
                <td>
                  <span class={`badge ${w.status === 'live' ? 'badge-succeeded' : 'badge-failed'}`}>{w.status}</span>
                </td>
                <td>{w.version}</td>
                <td>{w.task_types.join(', ')}</td>
                <td>
                  {w.running_task_ids.length} / {w.concurrency}
                  {w.running_task_ids.slice(0, 5).map((id) => (
                    <a key={id} href={taskHref(id)} class="mono chip">
                      {id.slice(0, 8)}
                    </a>
                  ))}
                </td>
                <td>{formatAgo(w.last_beat_at, now)}</td>
                <td>{formatTime(w.started_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
