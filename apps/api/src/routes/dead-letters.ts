import { Router, json, type Request } from 'express';
import { classifyError, type MessageSigner, type Topology } from '@offload/contracts';
import type { DeadLetterQueueReader, Publisher } from '@offload/broker';
import {
  listDeadLetters,
  purgeCompleted,
  purgeDeadLetters,
  redriveCompleted,
  redriveDeadLetters,
  type PurgeOutcome,
  type RedriveOutcome,
} from '@offload/dead-letters';
import type { RecordStore } from '@offload/storage';
import { needs } from '../access';
import { DEAD_LETTERS_READ_MAX, parseDeadLetterListQuery, parsePurgeBody, parseRedriveBody } from '../dead-letter-requests';
import { HttpProblem } from '../http-errors';

/** The dead-letter queue as the API reaches it. */
export interface DeadLetterSource {
  /** Opens a reader on the dead-letter queue (main.ts: `openDeadLetterQueue` on the API's connection). */
  open(): Promise<DeadLetterQueueReader>;
  /**
   * TASK_SIGNING_KEY and TASK_SIGNING_KEY_PREVIOUS: a re-drive leaves a dead letter whose
   * signature does not verify (the publisher signs its copy anew). @defaultValue none: unchecked
   */
  verifier?: MessageSigner | undefined;
}

export interface DeadLetterRoutesDeps {
  deadLetters: DeadLetterSource;
  publisher: Publisher;
  records: RecordStore;
  topology: Topology;
  jsonBodyMaxBytes: number;
  /** Seconds a client should wait before retrying after a 503. */
  retryAfterSeconds: number;
}

/** Counts per outcome kind, every kind present: the type makes the lists exhaustive. */
const REDRIVE_KINDS: Readonly<Record<RedriveOutcome['kind'], 0>> = { redriven: 0, already_succeeded: 0, duplicate: 0, active: 0, unsigned: 0, undecodable: 0, failed: 0, not_found: 0 };
const PURGE_KINDS: Readonly<Record<PurgeOutcome['kind'], 0>> = { purged: 0, left: 0, unconfirmed: 0, not_found: 0 };

function countKinds<K extends string>(zero: Readonly<Record<K, 0>>, outcomes: readonly { kind: K }[]): Record<K, number> {
  const counts: Record<K, number> = { ...zero };
  for (const outcome of outcomes) counts[outcome.kind] += 1;
  return counts;
}

/**
 * Runs one dead-letter call at a time in this process. A reader takes every entry it reads
 * (unacked), so a list running beside a re-drive would hide the entries from it: the re-drive
 * would report them not found. Calls wait their turn instead. (Another process, such as
 * `npm run dlq` or a second API, is not held back: the same can happen across processes, and
 * nothing is lost either way: every entry not acked goes back to the queue.)
 */
function oneAtATime(): <T>(run: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  return (run) => {
    const turn = tail.then(run, run);
    tail = turn.catch(() => undefined);
    return turn;
  };
}

/**
 * `GET /v1/dead-letters`, `POST /v1/dead-letters/redrive` and `POST /v1/dead-letters/purge`
 * (admin): `npm run dlq -- list|redrive|purge` over HTTP, with the same code and guarantees.
 */
export function deadLetterRoutes(deps: DeadLetterRoutesDeps): Router {
  const router = Router();
  const body = json({ limit: deps.jsonBodyMaxBytes, type: ['application/json', 'application/*+json'] });
  const serial = oneAtATime();
  const readMax = { maxEntries: DEAD_LETTERS_READ_MAX };

  const retryLater = (message: string) => new HttpProblem('broker_unavailable', `${message}; retry later`, undefined, { 'Retry-After': String(deps.retryAfterSeconds) });

  /** The broker is away: 503 with Retry-After, never a 500. Other errors pass unchanged. */
  const unavailable = (err: unknown): unknown => {
    if (err instanceof HttpProblem) return err;
    const { code, message } = classifyError(err);
    return code === 'broker_unavailable' ? retryLater(`the dead-letter queue cannot be read now: ${message}`) : err;
  };

  /** Opens a reader, runs `use`, and closes the reader: every entry not acked goes back. */
  const withReader = <T>(use: (reader: DeadLetterQueueReader) => Promise<T>): Promise<T> =>
    serial(async () => {
      let reader: DeadLetterQueueReader;
      try {
        reader = await deps.deadLetters.open();
      } catch (err) {
        // QueueNotFoundError: the API serves before a worker has declared the topology.
        if (classifyError(err).code === 'not_found') throw retryLater(`the dead-letter queue ${deps.topology.deadLetterQueue} is not declared yet (no worker has declared the topology)`);
        throw unavailable(err);
      }
      try {
        return await use(reader);
      } catch (err) {
        throw unavailable(err);
      } finally {
        // Closed under us: the broker has put the entries back already.
        await reader.close().catch(() => false);
      }
    });

  const requireJson = (req: Request) => {
    if (!req.is(['application/json', 'application/*+json'])) throw new HttpProblem('unsupported_media_type', `${req.method} ${req.path} takes a JSON body (application/json)`);
  };

  router.get('/v1/dead-letters', needs('admin'), async (req, res) => {
    const { selection, limit } = parseDeadLetterListQuery(req.query);
    const { rows, truncated } = await withReader((reader) => listDeadLetters(reader, selection, readMax));
    res.json({ dead_letters: rows.slice(0, limit), total: rows.length, truncated });
  });

  router.post('/v1/dead-letters/redrive', needs('admin'), body, async (req, res) => {
    requireJson(req);
    const selection = parseRedriveBody(req.body);
    const { outcomes, truncated } = await withReader(async (reader) => {
      // Without a confirmed channel every publish would fail; say so before moving any record.
      if (!deps.publisher.isReady()) throw retryLater('no confirmed channel to RabbitMQ');
      const report = await redriveDeadLetters({ reader, publisher: deps.publisher, records: deps.records, topology: deps.topology, signer: deps.deadLetters.verifier }, selection, readMax);
      // The report is true once the broker has processed the acks, which closing waits for. A
      // channel lost before that has put its entries back: a later re-drive finds those tasks
      // live or succeeded and runs none twice.
      await reader.close().catch(() => false);
      return report;
    });
    const counts = countKinds(REDRIVE_KINDS, outcomes);
    req.log.info({ audit: 'dead_letters_redriven', selection: selection.kind, counts, truncated }, 'dead letters re-driven');
    res.json({ redriven: counts.redriven, completed: redriveCompleted(outcomes), truncated, counts, outcomes });
  });

  router.post('/v1/dead-letters/purge', needs('admin'), body, async (req, res) => {
    requireJson(req);
    const selection = parsePurgeBody(req.body);
    // The purge closes the reader itself: only the broker's answer to the close confirms the acks.
    const { outcomes, truncated } = await withReader((reader) => purgeDeadLetters({ reader }, selection, readMax));
    const counts = countKinds(PURGE_KINDS, outcomes);
    req.log.info({ audit: 'dead_letters_purged', selection: selection.kind, counts, truncated }, 'dead letters purged');
    res.json({ purged: counts.purged, completed: purgeCompleted(outcomes), truncated, counts, outcomes });
  });

  return router;
}
