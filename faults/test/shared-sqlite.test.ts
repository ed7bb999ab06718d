import { waitUntil } from '@offload/test-support';
import type { ReadAnswer } from './support/api-client';
import { checkHistory, printCheck } from './support/checker';
import { startFaultSystem, type FaultSystem } from './support/fault-system';
import { readLoad, runLoad, submitLoad, tally } from './support/load';
import { faultSeed, seededRandom } from './support/seeded-random';

/** Tasks accepted before the load stops. */
const ACCEPTED = 1_000;
/** What the API reads besides single records: listings, counts and heartbeats. */
const QUERIES = ['/v1/tasks?limit=50', '/v1/tasks?status=queued,processing&limit=20', '/v1/tasks?status=succeeded&task_type=watermark&limit=200', '/v1/stats', '/v1/workers'];

const label = (a: ReadAnswer): string => (a.status === 'no_answer' ? 'no_answer' : `${a.status}${a.code === undefined ? '' : ` ${a.code}`}`);

// Records in SQLite (the default): one file in one DATA_DIR, written by four processes at once.
// The API writes records, Idempotency-Keys and uploads; the workers their record moves in group
// commits, a heartbeat five times a second and retention sweeps. Each waits for the others' write
// lock (busy_timeout); none may answer a client with a 500 for it.
describe('two API processes and two workers on one SQLite file under load', () => {
  const random = seededRandom(faultSeed());
  const durations = random.split();
  const picks = random.split();
  let system: FaultSystem;

  beforeAll(async () => {
    system = await startFaultSystem({
      apis: 2,
      workerEnv: { WORKER_CONCURRENCY: '8', WORKER_HEARTBEAT_MS: '200', RETENTION_SWEEP_MS: '1000' },
    });
  }, 90_000);
  afterAll(() => system.close(), 60_000);

  it('answers every request without a 500, accepts every task and finishes each once', async () => {
    const started = Date.now();
    const workers = await Promise.all([system.startWorker(), system.startWorker()]);
    // Half with an Idempotency-Key (a lease row, then the key's entry), half without.
    const submits = submitLoad(system.apis, system.imageKey, { lanes: 8, pauseMs: 0, script: () => `work:${durations.int(1, 20)}`, keyed: (n) => n % 2 === 0 });
    const acceptedIds = () => submits.answers.flatMap((s) => (s.answer.outcome === 'accepted' ? [s.answer.id] : []));
    const reads = readLoad(system.apis, {
      lanes: 2,
      pauseMs: 0,
      pick: () => {
        const ids = acceptedIds();
        return ids.length === 0 ? undefined : ids[picks.int(0, ids.length - 1)];
      },
    });
    const queries = runLoad(system.apis, { lanes: 2, pauseMs: 0 }, (n, api) => api.get(QUERIES[n % QUERIES.length] ?? '/v1/stats'));
    try {
      await waitUntil(() => acceptedIds().length >= ACCEPTED, { timeoutMs: 120_000, description: `${ACCEPTED} accepted tasks` });
    } finally {
      await Promise.all([submits.stop(), reads.stop(), queries.stop()]);
    }

    const submissions = submits.answers.map((s) => s.answer);
    const check = await checkHistory(submissions, { dataDir: system.dataDir, records: system.records, deadlineMs: 60_000 });
    printCheck('shared-sqlite', random.seed, check, Date.now() - started);
    const errorLines = (lines: readonly Record<string, unknown>[]) => lines.filter((line) => typeof line.level === 'number' && line.level >= 50);
    const apiErrors = system.apiProcesses.flatMap((p) => errorLines(p.logLines()));
    const workerErrors = workers.flatMap((w) => errorLines(w.logLines()));
    const busy = [...system.apiProcesses, ...workers].filter((p) => /SQLITE_BUSY|database is locked/.test(`${JSON.stringify(p.logLines())}${p.stderr()}`));
    const perApi = system.apis.map((_api, i) => submits.answers.filter((s) => s.api === i).length);
    process.stdout.write(
      `[faults] shared-sqlite submits_per_api=${perApi.join('+')} ` +
        `reads=${JSON.stringify(tally(reads.answers, label))} queries=${JSON.stringify(tally(queries.answers, label))} ` +
        `error_lines=${apiErrors.length + workerErrors.length} busy_in_logs=${busy.length}\n`,
    );

    // Every submit accepted and every read answered 200: waiting for a lock never became a 500 or a 503.
    expect(submissions.filter((s) => s.outcome !== 'accepted')).toEqual([]);
    expect(reads.answers.filter((r) => r.answer.status !== 200).map((r) => r.answer)).toEqual([]);
    expect(queries.answers.filter((q) => q.answer.status !== 200).map((q) => q.answer)).toEqual([]);
    expect(reads.answers.length).toBeGreaterThan(0);
    expect([apiErrors, workerErrors, busy.map((p) => p.name)]).toEqual([[], [], []]);
    // Both APIs took submissions.
    expect(perApi.every((n) => n > 0)).toBe(true);

    expect([check.accepted, check.succeeded]).toEqual([submissions.length, submissions.length]);
    expect(check.failed).toEqual({});
    expect([check.lost, check.duplicated, check.unexpected, check.stuck, check.notAcceptedViolations]).toEqual([[], [], [], [], []]);
  }, 240_000);
});
