import { Router, type Request } from 'express';
import { isTerminalStatus } from '@offload/contracts';
import type { TaskQueries, VersionedRecord } from '@offload/storage';
import { canSee, needs } from '../access';
import { openEventStream } from '../event-stream';
import { HttpProblem } from '../http-errors';
import type { TaskEventHub } from '../task-event-hub';
import { taskIdParam } from './tasks';

export interface TaskEventRoutesDeps {
  queries: Pick<TaskQueries, 'recordVersion'>;
  hub: TaskEventHub;
  /** The `retry:` hint: how long a client waits before reconnecting. */
  retryMs: number;
  /** Time between two keep-alive comment lines. */
  heartbeatMs: number;
  /** Seconds a client refused for too many open streams should wait. */
  retryAfterSeconds: number;
}

/** The SSE event name of every event: each one carries the whole task record. */
export const TASK_EVENT = 'task';

/**
 * The version the client already has: `Last-Event-ID` (what EventSource sends when it
 * reconnects), else `?last_event_id=` (for polyfills that cannot set headers). An empty value is
 * no value, as EventSource treats an empty `id:`.
 */
function lastEventId(req: Request): number | undefined {
  const header = req.get('Last-Event-ID');
  const query = req.query.last_event_id;
  const raw = header !== undefined && header !== '' ? header : typeof query === 'string' && query !== '' ? query : undefined;
  if (query !== undefined && typeof query !== 'string') throw new HttpProblem('malformed_request', 'last_event_id must be given once');
  if (raw === undefined) return undefined;
  const value = /^\d{1,15}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(value)) {
    throw new HttpProblem('malformed_request', `Last-Event-ID must be a non-negative integer (the id of an event of this stream), not ${JSON.stringify(raw.slice(0, 32))}`);
  }
  return value;
}

/**
 * GET /v1/tasks/:id/events: the task record as Server-Sent Events, one event per row version
 * newer than `Last-Event-ID`, until a terminal status.
 *
 * Nothing in front of the route cuts or buffers the stream, on purpose: Node's requestTimeout
 * and headersTimeout (REQUEST_TIMEOUT_MS) bound only the arrival of the request, which for this
 * GET is complete before the first event; the idle timer of http-server.ts (REQUEST_IDLE_TIMEOUT_MS)
 * leaves a complete request alone unless the client stopped reading (a full socket buffer), which
 * is when a stream should be cut; the heartbeat keeps proxies' idle timers from firing. The app
 * has no compression middleware (it would hold events back until a buffer fills) and helmet only
 * sets headers.
 */
export function taskEventRoutes(deps: TaskEventRoutesDeps): Router {
  const router = Router();

  router.get('/v1/tasks/:id/events', needs('tasks:read'), async (req, res) => {
    const id = taskIdParam(req);
    const after = lastEventId(req);
    const first = await deps.queries.recordVersion(id);
    if (first === undefined || !canSee(req, first.record)) throw new HttpProblem('not_found', `no task with id ${id}`);
    // The client has the final version already: 204 is what stops an EventSource reconnecting.
    if (after !== undefined && first.version <= after && isTerminalStatus(first.record.status)) {
      res.status(204).end();
      return;
    }

    const terminal = isTerminalStatus(first.record.status);
    // Refused before any header is sent; a finished task's one event takes no slot.
    if (!terminal && deps.hub.full) {
      throw new HttpProblem('too_many_streams', `this API process has the most event streams open it may (${deps.hub.size}); retry in a moment, or poll GET /v1/tasks/${id}`, undefined, {
        'Retry-After': String(deps.retryAfterSeconds),
      });
    }
    const stream = openEventStream(res, { retryMs: deps.retryMs, heartbeatMs: deps.heartbeatMs });
    let stop: () => void = () => undefined;
    let sent = after ?? 0;
    let pending: VersionedRecord | undefined;
    let draining = false;
    let finished = false;

    const finish = () => {
      finished = true;
      stop();
      stream.end();
    };
    const deliver = (snapshot: VersionedRecord) => {
      if (snapshot.version <= sent) return;
      if (draining) {
        // State-based: only the newest version matters once the client catches up.
        pending = snapshot;
        return;
      }
      sent = snapshot.version;
      const written = stream.send({ id: String(snapshot.version), event: TASK_EVENT, data: JSON.stringify(snapshot.record) });
      if (isTerminalStatus(snapshot.record.status)) {
        finish();
      } else if (!written) {
        draining = true;
        stream.onDrain(() => {
          draining = false;
          const next = pending;
          pending = undefined;
          if (next !== undefined) deliver(next);
        });
      }
    };

    res.once('close', finish);
    deliver(first);
    if (terminal) return;
    // The hub hands a watcher its latest version at once when the task already had watchers.
    const unwatch = deps.hub.watch(id, { update: deliver, end: finish });
    if (unwatch !== undefined) stop = unwatch;
    // The hub's latest may have been terminal (finished before `stop` was set), or the client left
    // while the record was read (before the close listener was there).
    if (unwatch === undefined || finished || req.socket.destroyed) finish();
  });

  return router;
}
