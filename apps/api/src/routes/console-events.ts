import { Router } from 'express';
import { z } from 'zod';
import { tenantSchema, type TaskRecord, type Topology } from '@offload/contracts';
import type { QueueDepths } from '@offload/broker';
import type { TaskActivity, TaskFilter, TaskQueries, WorkerStore } from '@offload/storage';
import { isAdmin, needs, requireScope, tenantScope } from '../access';
import { openEventStream, type EventStream } from '../event-stream';
import { HttpProblem } from '../http-errors';
import { parseQuery } from '../query-params';
import type { TaskChangeFeed } from '../task-change-feed';
import { readHistory, readStats } from './stats';
import { readWorkers } from './workers';

/** What a stream carries: changed task records, periodic stats, periodic worker lists. */
export const EVENT_TOPICS = ['tasks', 'stats', 'workers'] as const;
type Topic = (typeof EVENT_TOPICS)[number];

export interface ConsoleEventRoutesDeps {
  feed: TaskChangeFeed;
  queries: TaskQueries;
  activity: TaskActivity;
  queueDepths: QueueDepths;
  topology: Topology;
  workers: WorkerStore;
  /** Time between two `stats` events (counts, queue depths and the last hour). */
  statsMs: number;
  /** Time between two `workers` events. */
  workersMs: number;
  retryMs: number;
  heartbeatMs: number;
  /** Streams open at once in this process. */
  maxStreams: number;
  retryAfterSeconds: number;
  /** False once shutdown began: open streams end so the server can close. */
  isAccepting?: () => boolean;
}

const topicsSchema = z
  .string()
  .transform((raw, ctx): Topic[] => {
    const values = raw.split(',').map((v) => v.trim());
    const unknown = values.filter((v) => !(EVENT_TOPICS as readonly string[]).includes(v));
    if (unknown.length > 0 || values.length === 0) {
      ctx.addIssue({ code: 'custom', message: `${unknown.map((v) => JSON.stringify(v.slice(0, 32))).join(', ') || 'nothing'} is not one of ${EVENT_TOPICS.join(', ')}` });
      return z.NEVER;
    }
    return [...new Set(values)] as Topic[];
  });

const querySchema = z.strictObject({ topics: topicsSchema.default(['tasks']), tenant: tenantSchema.optional() });

/**
 * One value computed at most once per `ttlMs` per key, shared by every stream of this process
 * that asks for it: ten consoles on the overview cost one count, not ten.
 */
function sharedEvery<T>(ttlMs: number): (key: string, compute: () => Promise<T>) => Promise<T> {
  const cache = new Map<string, { at: number; value: Promise<T> }>();
  return (key, compute) => {
    const now = Date.now();
    const hit = cache.get(key);
    if (hit !== undefined && now - hit.at < ttlMs) return hit.value;
    const value = compute();
    cache.set(key, { at: now, value });
    // A failure is not kept: the next stream asks again.
    value.catch(() => cache.delete(key));
    return value;
  };
}

/**
 * `GET /v1/events`: the console's one live connection per page, as Server-Sent Events.
 * `topics=tasks` sends `tasks` events (the records written since the last one, in the caller's
 * scope) and `resync` when more changed at once than the feed reads; `stats` sends the body of
 * GET /v1/stats plus `history` (the last hour) every `statsMs`; `workers` (admin) sends GET
 * /v1/workers' body every `workersMs`. Events carry no id: they are state, and a client that
 * reconnects reads the state again.
 */
export function consoleEventRoutes(deps: ConsoleEventRoutesDeps): Router {
  const router = Router();
  const statsEvery = sharedEvery<string>(Math.max(250, deps.statsMs - 100));
  const workersEvery = sharedEvery<string>(Math.max(250, deps.workersMs - 100));
  let open = 0;

  router.get('/v1/events', needs('tasks:read'), (req, res) => {
    const query = parseQuery(querySchema, req.query);
    if (query.topics.includes('workers')) requireScope(req, 'admin');
    const scope: Pick<TaskFilter, 'tenant'> = tenantScope(req, query.tenant);
    if (open >= deps.maxStreams) {
      throw new HttpProblem('too_many_streams', `this API process has the most event streams open it may (${open}); retry in a moment`, undefined, {
        'Retry-After': String(deps.retryAfterSeconds),
      });
    }
    open++;
    const stream: EventStream = openEventStream(res, { retryMs: deps.retryMs, heartbeatMs: deps.heartbeatMs });
    const stops: (() => void)[] = [];
    let closed = false;
    /** Set while the client is not reading: `tasks` events wait, and it gets a `resync` after. */
    let behind = false;
    const send = (event: string, data: string) => {
      if (closed || behind) {
        if (event === 'tasks') behind = true;
        return;
      }
      if (!stream.send({ event, data })) {
        behind = true;
        stream.onDrain(() => {
          behind = false;
          stream.send({ event: 'resync', data: '{}' });
        });
      }
    };
    const close = () => {
      if (closed) return;
      closed = true;
      open--;
      for (const stop of stops) stop();
      stream.end();
    };
    res.once('close', close);
    const scopeKey = JSON.stringify([scope.tenant ?? null, isAdmin(req)]);

    if (query.topics.includes('tasks')) {
      stops.push(
        deps.feed.listen({
          tenant: scope.tenant,
          changed: (records: TaskRecord[]) => send('tasks', JSON.stringify({ tasks: records })),
          overflow: () => send('resync', '{}'),
        }),
      );
    }
    const every = (ms: number, tick: () => Promise<void>) => {
      let timer: NodeJS.Timeout | undefined;
      const run = () => {
        timer = undefined;
        tick()
          .catch((err: unknown) => {
            req.log.warn({ err }, 'a console event could not be read; the stream goes on');
            send('unavailable', JSON.stringify({ detail: 'the API could not read this just now; it tries again' }));
          })
          .finally(() => {
            if (!closed) timer = setTimeout(run, ms);
          });
      };
      run();
      stops.push(() => clearTimeout(timer));
    };
    if (query.topics.includes('stats')) {
      every(deps.statsMs, async () => {
        const body = await statsEvery(scopeKey, async () => {
          const [stats, history] = await Promise.all([readStats(deps, scope), readHistory(deps.activity, scope, 60)]);
          return JSON.stringify({ ...stats, history });
        });
        send('stats', body);
      });
    }
    if (query.topics.includes('workers')) {
      every(deps.workersMs, async () => send('workers', await workersEvery('all', async () => JSON.stringify(await readWorkers(deps.workers)))));
    }
    if (deps.isAccepting !== undefined) {
      const isAccepting = deps.isAccepting;
      const check = setInterval(() => {
        if (!isAccepting()) close();
      }, 1_000);
      stops.push(() => clearInterval(check));
    }
    if (req.socket.destroyed) close();
  });

  return router;
}
