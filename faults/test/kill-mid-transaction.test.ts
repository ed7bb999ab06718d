import { waitUntil } from '@offload/test-support';
import { checkHistory, printCheck } from './support/checker';
import { readExecutionLogs } from './support/execution-log';
import { startFaultSystem, type FaultSystem, type WorkerProcess } from './support/fault-system';
import { faultOutput, sha256 } from './support/fault-output';
import { submitLoad } from './support/load';
import { faultSeed, seededRandom } from './support/seeded-random';
import { integrityCheck, killInWriteTransaction, sqliteFile, taskStatuses } from './support/sqlite-file';

const KILLS = 4;
/** Tasks accepted before each kill, and after the last. */
const ACCEPTED_BETWEEN = 40;

interface Kill {
  pid: number;
  /** Stops it took to catch the victim inside a write transaction. */
  tries: number;
  /** Tasks the victim had started whose record was not final right after the kill: its deliveries in hand. */
  open: string[];
  /** integrity_check right after the kill, while the others write on. */
  integrity: string[];
}

// Records in SQLite in DATA_DIR (the default). Many short tasks on many slots keep each worker's
// group commit busy; every kill lands while the victim holds SQLite's write lock, in the middle of
// a batch of record moves (see killInWriteTransaction).
describe('SIGKILL of a worker inside a record-store transaction, records in SQLite', () => {
  const random = seededRandom(faultSeed());
  const durations = random.split();
  let system: FaultSystem;

  beforeAll(async () => {
    // A kill returns each unacked message once (one lost run each): with fewer kills than
    // WORKER_MAX_DELIVERIES no healthy task fails as worker_lost.
    system = await startFaultSystem({ workerEnv: { WORKER_MAX_DELIVERIES: String(KILLS + 1), WORKER_CONCURRENCY: '16' } });
  }, 60_000);
  afterAll(() => system.close(), 60_000);

  it('loses no record, finishes the interrupted batch’s tasks once elsewhere and leaves a sound file', async () => {
    const started = Date.now();
    const dbFile = sqliteFile(system.dataDir);
    // Replacements start in the background (a start takes seconds): the other replica works on.
    const replicas: Promise<WorkerProcess>[] = [system.startWorker(), system.startWorker()];
    const everyWorker = [...replicas];
    await Promise.all(replicas);
    const submits = submitLoad([system.api], system.imageKey, { lanes: 6, pauseMs: 0, script: () => `work:${durations.int(1, 10)}` });
    const accepted = () => submits.answers.filter((s) => s.answer.outcome === 'accepted').length;
    const kills: Kill[] = [];
    try {
      for (let k = 0; k <= KILLS; k++) {
        const target = accepted() + ACCEPTED_BETWEEN;
        await waitUntil(() => accepted() >= target, { timeoutMs: 30_000, description: `${target} accepted tasks` });
        if (k === KILLS) break;
        const slot = random.int(0, 1);
        const victim = await replicas[slot];
        if (victim === undefined) throw new Error(`no replica ${slot}`);
        // Tasks the victim started whose record is not final: its deliveries in hand.
        const inHand = async () => {
          const logs = await readExecutionLogs(system.dataDir);
          const startedByVictim = [...new Set(logs.starts.filter((s) => s.pid === victim.pid).map((s) => s.id))];
          const statuses = taskStatuses(dbFile, startedByVictim);
          return startedByVictim.filter((id) => statuses.get(id) !== 'succeeded' && statuses.get(id) !== 'failed');
        };
        // Killed only with deliveries in hand: on a loaded machine a worker between tasks may be
        // caught writing its heartbeat alone.
        const { tries } = await killInWriteTransaction(victim, dbFile, 30_000, async () => (await inHand()).length > 0);
        kills.push({ pid: victim.pid, tries, open: await inHand(), integrity: integrityCheck(dbFile) });
        const replacement = system.startWorker();
        replicas[slot] = replacement;
        everyWorker.push(replacement);
      }
    } finally {
      await submits.stop();
    }
    const workers = await Promise.all(everyWorker);

    const submissions = submits.answers.map((s) => s.answer);
    const scripts = new Map(submissions.flatMap((s) => (s.outcome === 'accepted' ? [[s.id, s.script]] : [])));
    const check = await checkHistory(submissions, { dataDir: system.dataDir, records: system.records, deadlineMs: 60_000 });
    printCheck('kill-mid-transaction', random.seed, check, Date.now() - started);
    // Every worker's 'task succeeded' lines (the killed ones' up to their death), by task.
    const succeededBy = new Map<string, number[]>();
    for (const worker of workers) {
      for (const line of worker.logLines()) {
        if (line.msg === 'task succeeded' && typeof line.task_id === 'string') succeededBy.set(line.task_id, [...(succeededBy.get(line.task_id) ?? []), worker.pid]);
      }
    }
    // The file once every process closed it (the last one checkpoints the WAL into it).
    await Promise.all(workers.map((w) => w.stop('SIGTERM', 15_000)));
    await system.apiProcess.stop('SIGTERM', 15_000);
    const finalIntegrity = integrityCheck(dbFile);
    const open = kills.flatMap((k) => k.open.map((id) => ({ id, pid: k.pid })));
    process.stdout.write(
      `[faults] kill-mid-transaction kills=${kills.length} (stops to catch a transaction: ${kills.map((k) => k.tries).join(', ')}) ` +
        `deliveries_in_hand=${kills.map((k) => k.open.length).join('+')} integrity=${[...kills.map((k) => k.integrity.join(';')), finalIntegrity.join(';')].join(',')}\n`,
    );

    expect([check.accepted, check.succeeded]).toEqual([submissions.length, submissions.length]);
    expect(check.failed).toEqual({});
    expect([check.lost, check.duplicated, check.unexpected, check.stuck, check.notAcceptedViolations]).toEqual([[], [], [], [], []]);
    // The database is sound right after each kill and at the end.
    expect(kills.map((k) => k.integrity)).toEqual(kills.map(() => ['ok']));
    expect(finalIntegrity).toEqual(['ok']);
    // Each task finished once (a redelivery of a finished one is dropped unrun)...
    expect([...succeededBy].filter(([, pids]) => pids.length > 1)).toEqual([]);
    // ...and what the victims had in hand was redelivered and finished by another process, with the
    // output its script gives.
    expect(open.length).toBeGreaterThan(0);
    for (const { id, pid } of open) {
      expect(check.records.get(id)?.status).toBe('succeeded');
      expect(succeededBy.get(id)?.filter((p) => p !== pid)).toHaveLength(1);
      const runs = check.logs.executions.filter((e) => e.id === id);
      expect(new Set(runs.map((e) => e.sha256))).toEqual(new Set([sha256(faultOutput(id, scripts.get(id) ?? ''))]));
    }
  }, 150_000);
});
