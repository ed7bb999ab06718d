import { waitUntil } from '@offload/test-support';
import type { ReadAnswer, Submission } from './support/api-client';
import { checkHistory, printCheck } from './support/checker';
import { startFaultSystem, type FaultSystem } from './support/fault-system';
import { readLoad, submitLoad, tally, type Timed } from './support/load';
import { removePostgresCluster, startPostgresCluster, withPostgresDown, type PostgresCluster, type PostgresOutage, type PostgresStop } from './support/postgres-cluster';
import { recoveryTimes } from './support/recovery';
import { faultSeed, seededRandom } from './support/seeded-random';

/** Tasks accepted before the outage, and again after every process is ready once more. */
const ACCEPTED_BEFORE = 40;
const ACCEPTED_AFTER = 40;
/** Seen during the outage before it ends (besides its seeded length). */
const MIN_READS_DURING = 10;
const MIN_UNKEYED_SUBMITS_DURING = 3;

type Read = Timed<ReadAnswer & { id: string }>;
type Submit = Timed<Submission & { keyed: boolean }>;

const readLabel = (a: ReadAnswer): string => (a.status === 'no_answer' ? 'no_answer' : `${a.status}${a.code === undefined ? '' : ` ${a.code}`}`);
const submitLabel = (s: Submission): string => (s.outcome === 'accepted' ? '202' : s.outcome === 'not_accepted' ? `503 ${s.code ?? '?'}` : `indeterminate ${s.detail}`);
const isStoreUnavailable = (a: ReadAnswer) => a.status === 503 && a.code === 'store_unavailable' && a.retryAfter !== undefined;

// The suite's own cluster per variant (never the shared server on 5432): the API and two workers
// keep their records there (RECORD_STORE_URL) while it is stopped and started under them.
describe.each<[PostgresStop, string]>([
  ['fast', 'pg_ctl stop -m fast: sessions ended, a checkpoint'],
  ['immediate', 'pg_ctl stop -m immediate: a crash, WAL replayed on start'],
])('PostgreSQL stopped mid-run (%s: %s)', (mode) => {
  const random = seededRandom(faultSeed());
  const scripts = random.split();
  const picks = random.split();
  let cluster: PostgresCluster | undefined;
  let system: FaultSystem | undefined;

  beforeAll(async () => {
    cluster = await startPostgresCluster();
    system = await startFaultSystem({ recordStoreUrl: cluster.url, workerEnv: { WORKER_CONCURRENCY: '4' } });
  }, 90_000);
  afterAll(async () => {
    try {
      await system?.close();
    } finally {
      if (cluster !== undefined) await removePostgresCluster(cluster);
    }
  }, 60_000);

  it('answers 503 store_unavailable while it is away, recovers without restarts and finishes every accepted task', async () => {
    if (system === undefined || cluster === undefined) throw new Error('beforeAll failed');
    const { api, imageKey, apiProcess } = system;
    const db = cluster;
    const started = Date.now();
    const workers = await Promise.all([system.startWorker(), system.startWorker()]);
    // One in three without an Idempotency-Key: during the outage that is the path that accepts a
    // broker-confirmed task whose record the API could not write (the worker writes it later).
    const submits = submitLoad([api], imageKey, { lanes: 6, pauseMs: 20, script: () => `work:${scripts.int(20, 60)}`, keyed: (n) => n % 3 !== 0 });
    const acceptedIds = () => submits.answers.flatMap((s) => (s.answer.outcome === 'accepted' ? [s.answer.id] : []));
    const reads = readLoad([api], {
      lanes: 2,
      pauseMs: 25,
      pick: () => {
        const ids = acceptedIds();
        return ids.length === 0 ? undefined : ids[Math.floor(picks.next() * ids.length)];
      },
    });

    let outage: PostgresOutage<{ from: number; to: number }> | undefined;
    let recovery: Record<string, number> = {};
    try {
      await waitUntil(() => acceptedIds().length >= ACCEPTED_BEFORE, { timeoutMs: 30_000, description: `${ACCEPTED_BEFORE} accepted tasks` });
      const outageMs = random.int(3_000, 5_000);
      outage = await withPostgresDown(db, mode, async () => {
        const from = Date.now();
        const since = <T>(answers: readonly Timed<T>[]) => answers.filter((a) => a.sentAt >= from);
        await waitUntil(
          () =>
            Date.now() - from >= outageMs &&
            since(reads.answers).length >= MIN_READS_DURING &&
            since(submits.answers).filter((s) => !s.answer.keyed).length >= MIN_UNKEYED_SUBMITS_DURING,
          { timeoutMs: 30_000, description: 'reads and submits during the outage' },
        );
        return { from, to: Date.now() };
      });
      const upAt = outage.upAt;
      recovery = await recoveryTimes(upAt, [
        { name: 'api_readyz', url: `${api.base}/readyz`, child: apiProcess },
        ...workers.map((w, i) => ({ name: `worker_${i}_readyz`, url: `http://127.0.0.1:${w.httpPort}/readyz`, child: w })),
      ]);
      await waitUntil(() => submits.answers.filter((s) => s.sentAt >= upAt && s.answer.outcome === 'accepted').length >= ACCEPTED_AFTER, {
        timeoutMs: 30_000,
        description: `${ACCEPTED_AFTER} accepted tasks after the outage`,
      });
    } finally {
      await Promise.all([submits.stop(), reads.stop()]);
    }

    const submissions = submits.answers.map((s) => s.answer);
    const check = await checkHistory(submissions, { dataDir: system.dataDir, records: system.records, deadlineMs: 60_000 });
    printCheck(`postgres-restart:${mode}`, random.seed, check, Date.now() - started);
    const { from, to } = outage.value;
    const upAt = outage.upAt;
    // Sent after the server stopped and answered before it was started again.
    const down = <T>(a: Timed<T>) => a.sentAt >= from && a.answeredAt <= to;
    const readsDown: Read[] = reads.answers.filter(down);
    const submitsDown: Submit[] = submits.answers.filter(down);
    const keyedDown = submitsDown.filter((s) => s.answer.keyed);
    const unkeyedDown = submitsDown.filter((s) => !s.answer.keyed);
    const firstRead200 = reads.answers.find((r) => r.sentAt >= upAt && r.answer.status === 200);
    // Accepted while the API may have failed to write the record (from the stop to the start):
    // the worker that takes the task writes it, so until then a read of it answers 404.
    const recordless = new Set(
      submits.answers.flatMap((s) => (s.answer.outcome === 'accepted' && s.answeredAt >= outage.stoppingAt && s.sentAt <= upAt ? [s.answer.id] : [])),
    );
    const reads404 = reads.answers.filter((r) => r.answer.status === 404);
    process.stdout.write(
      `[faults] postgres-restart:${mode} down=${to - from}ms (stop ${outage.stopMs}ms, start ${outage.startMs}ms) ` +
        `reads_down=${JSON.stringify(tally(readsDown, readLabel))} keyed_submits_down=${JSON.stringify(tally(keyedDown, submitLabel))} ` +
        `unkeyed_submits_down=${JSON.stringify(tally(unkeyedDown, submitLabel))} ` +
        `recovery_ms=${JSON.stringify({ ...recovery, first_read_200: firstRead200 === undefined ? -1 : firstRead200.answeredAt - upAt })} ` +
        `reads=${JSON.stringify(tally(reads.answers, readLabel))} submits=${JSON.stringify(tally(submits.answers, submitLabel))}\n`,
    );

    // While the database is away a read answers 503 store_unavailable with Retry-After, never 500.
    expect(readsDown.length).toBeGreaterThanOrEqual(MIN_READS_DURING);
    expect(readsDown.filter((r) => !isStoreUnavailable(r.answer))).toEqual([]);
    // Around it, a read answers 200 or that 503, never 500, and always answers; 404 only for a
    // task accepted without its record, until the worker writes it.
    expect(reads.answers.filter((r) => r.answer.status !== 200 && r.answer.status !== 404 && !isStoreUnavailable(r.answer))).toEqual([]);
    expect(reads404.filter((r) => !recordless.has(r.answer.id))).toEqual([]);
    // Submits: the Idempotency-Key lives in the database, so a keyed submit is refused with 503
    // before anything is published; without a key a broker-confirmed task is accepted (202).
    expect(keyedDown.filter((s) => !(s.answer.outcome === 'not_accepted' && s.answer.code === 'store_unavailable'))).toEqual([]);
    expect(unkeyedDown.length).toBeGreaterThanOrEqual(MIN_UNKEYED_SUBMITS_DURING);
    expect(unkeyedDown.filter((s) => s.answer.outcome !== 'accepted')).toEqual([]);
    expect(submissions.filter((s) => s.outcome === 'not_accepted' && s.code !== 'store_unavailable')).toEqual([]);
    expect(firstRead200).toBeDefined();

    expect(check.indeterminate).toBe(0);
    expect(check.succeeded).toBe(check.accepted);
    expect(check.failed).toEqual({});
    // A keyed submit whose task the broker confirmed answers 202 even when the database went away
    // before its Idempotency-Key was stored: no 503 names a task that runs.
    expect([check.lost, check.duplicated, check.unexpected, check.stuck, check.notAcceptedViolations]).toEqual([[], [], [], [], []]);
    // Nobody restarted a process: each reconnected by itself (recoveryTimes saw every /readyz 200).
    expect([apiProcess.exit(), ...workers.map((w) => w.exit())]).toEqual([undefined, undefined, undefined]);
  }, 150_000);
});
