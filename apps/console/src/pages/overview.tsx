import { useState } from 'preact/hooks';
import type { Session } from '../app';
import { LineChart } from '../components/line-chart';
import { LiveBanner } from '../components/live-banner';
import { StatusBadge } from '../components/status-badge';
import { STATUSES, TASK_TYPE_LIST, type TaskType } from '../lib/domain';
import { formatDuration, formatNumber, formatPercent } from '../lib/format';
import { tasksHref } from '../lib/hash-route';
import { typeSeries, type StatsEvent } from '../lib/stats-view';
import { useLive } from '../hooks';

/** Per task type: counts by status, queue depths, and the last hour as live charts (one stream). */
export function Overview({ session }: { session: Session }) {
  const [stats, setStats] = useState<StatsEvent | undefined>();
  const live = useLive('/v1/events?topics=stats', session.api, {
    onEvent(event) {
      if (event.event === 'stats') setStats(JSON.parse(event.data) as StatsEvent);
    },
  });
  return (
    <>
      <div class="page-head">
        <h1>Overview</h1>
        <LiveBanner state={live} />
      </div>
      {stats === undefined ? (
        <p class="muted">Waiting for the first numbers…</p>
      ) : (
        <>
          <p class="muted">
            Dead letters: <strong data-testid="dead-letter-depth">{formatNumber(stats.queues.dead_letter.depth)}</strong>
            {' · '}queue numbers from {stats.queues.source === 'management_api' ? 'the management API' : stats.queues.source === 'amqp' ? 'AMQP (ready only)' : 'nowhere: the broker did not answer'}
            {stats.history.sample_partial ? ` · times from the newest ${formatNumber(stats.history.sampled)} tasks of the hour` : ''}
          </p>
          <div class="types">
            {TASK_TYPE_LIST.map((type) => (
              <TypeCard key={type} type={type} stats={stats} />
            ))}
          </div>
        </>
      )}
    </>
  );
}

function TypeCard({ type, stats }: { type: TaskType; stats: StatsEvent }) {
  const counts = stats.tasks[type];
  const queue = stats.queues.work[type];
  const history = stats.history.types[type];
  const series = typeSeries(history.buckets, stats.history.bucket_ms);
  return (
    <section class="card" aria-labelledby={`type-${type}`} data-testid={`type-${type}`}>
      <h2 id={`type-${type}`}>{type}</h2>
      <table class="counts">
        <caption class="visually-hidden">{type} tasks by status</caption>
        <tbody>
          {STATUSES.map((status) => (
            <tr key={status}>
              <th scope="row">
                <a href={tasksHref(new URLSearchParams({ status, task_type: type }))}>
                  <StatusBadge status={status} />
                </a>
              </th>
              <td data-testid={`count-${type}-${status}`}>{formatNumber(counts[status])}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p class="depths">
        Queue: <strong>{formatNumber(queue.ready)}</strong> ready, <strong>{formatNumber(queue.unacked)}</strong> running; high priority {formatNumber(queue.high.ready)} ready
      </p>
      <p class="depths">
        Last hour: {formatNumber(series.finished)} finished, failure rate {formatPercent(series.finished === 0 ? null : series.failed / series.finished)}
      </p>
      <LineChart
        title="Finished per minute"
        times={series.times}
        series={[
          { label: 'succeeded', values: series.perMinute.succeeded, colour: '#1b7f3b' },
          { label: 'failed', values: series.perMinute.failed, colour: '#b3261e' },
        ]}
        format={(v) => (v === null ? '–' : v.toFixed(v < 10 ? 1 : 0))}
      />
      <LineChart title="Failure rate" times={series.times} series={[{ label: 'failed', values: series.failureRate, colour: '#b3261e' }]} format={formatPercent} yRange={[0, 1]} />
      <LineChart
        title="Wait (queued → started)"
        times={series.times}
        series={[
          { label: 'p50', values: series.wait.p50, colour: '#1f5fa8' },
          { label: 'p95', values: series.wait.p95, colour: '#8a4fb0' },
        ]}
        format={formatDuration}
        emptyMax={1_000}
      />
      <LineChart
        title="Run time"
        times={series.times}
        series={[
          { label: 'p50', values: series.run.p50, colour: '#1f5fa8' },
          { label: 'p95', values: series.run.p95, colour: '#8a4fb0' },
        ]}
        format={formatDuration}
        emptyMax={1_000}
      />
    </section>
  );
}
