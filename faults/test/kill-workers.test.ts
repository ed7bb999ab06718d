import { createTestDatabase, waitUntil, type TestDatabase } from '@offload/test-support';
import type { Submission } from './support/api-client';
import { checkHistory, printCheck } from './support/checker';
import { readExecutionLogs, unfinishedBy } from './support/execution-log';
import { startFaultSystem, type FaultSystem, type WorkerProcess } from './support/fault-system';
import { faultOutput, sha256 } from './support/fault-output';
import { faultSeed, seededRandom } from './support/seeded-random';

const TASKS = 150;
const KILLS = 6;

// Records in SQLite in DATA_DIR (the default) and in PostgreSQL: a crash must lose nothing with either.
describe.each([
  ['records in SQLite', false],
  ['records in PostgreSQL', true],
])('SIGKILL of worker replicas under load, %s', (storeLabel, withPostgres) => {
  const random = seededRandom(faultSeed());
  // Separate streams: how many tasks the run feeds an idle victim varies, and must not move the
  // kill schedule.
  const schedule = random.split();
  const durations = random.split();
  let system: FaultSystem;

  let postgres: TestDatabase | undefined;

  beforeAll(async () => {
    postgres = withPostgres ? await createTestDatabase() : undefined;
    // A kill returns each unacked message once, adding one to its delivery count; with fewer
    // kills than WORKER_MAX_DELIVERIES no healthy task can be failed as worker_lost.
    system = await startFaultSystem({ workerEnv: { WORKER_MAX_DELIVERIES: String(KILLS + 1) }, ...(postgres === undefined ? {} : { recordStoreUrl: postgres.url }) });
  }, 60_000);
  afterAll(async () => {
    await system.close();
    await postgres?.drop();
  }, 60_000);

  it('finishes every task, the killed ones on another process with the same output', async () => {
    const started = Date.now();
    const replicas: WorkerProcess[] = [await system.startWorker(), await system.startWorker()];
    const submissions: Submission[] = [];
    const scripts = new Map<string, string>();
    const killed: { atTask: number; slot: number; pid: number; inFlight: string[] }[] = [];
    const submitNext = async (): Promise<void> => {
      const script = `work:${durations.int(30, 80)}`;
      const submission = await system.api.submit(system.imageKey, script);
      if (submission.outcome === 'accepted') scripts.set(submission.id, script);
      submissions.push(submission);
    };

    let killAt = schedule.int(8, 15);
    for (let k = 0; k < KILLS; k++) {
      while (submissions.length < killAt) await submitNext();
      const slot = schedule.int(0, 1);
      const victim = replicas[slot];
      if (victim === undefined) throw new Error(`no replica ${slot}`);
      // Kill mid-task: until the victim has started a task it has not finished, feed it the
      // next tasks of the run (a drained queue would leave it idle).
      await waitUntil(
        async () => {
          if (unfinishedBy(await readExecutionLogs(system.dataDir), victim.pid).length > 0) return true;
          if (submissions.length < TASKS) await submitNext();
          return false;
        },
        { timeoutMs: 20_000, intervalMs: 5, description: `worker ${victim.pid} to have a task in flight` },
      );
      await victim.stop('SIGKILL');
      killed.push({ atTask: submissions.length, slot, pid: victim.pid, inFlight: unfinishedBy(await readExecutionLogs(system.dataDir), victim.pid) });
      replicas[slot] = await system.startWorker();
      killAt = submissions.length + schedule.int(12, 22);
    }
    while (submissions.length < TASKS) await submitNext();

    const check = await checkHistory(submissions, { dataDir: system.dataDir, records: system.records, deadlineMs: 60_000 });
    printCheck(`kill-workers, ${storeLabel}`, random.seed, check, Date.now() - started);
    const killedMidTask = killed.flatMap((k) => k.inFlight.map((id) => ({ id, pid: k.pid })));
    const kills = killed.map((k) => `task ${k.atTask} replica ${k.slot}`).join(', ');
    process.stdout.write(`[faults] kill-workers kills=${killed.length} (${kills}) killed_mid_task=${killedMidTask.length}\n`);

    // The kill schedule may run past TASKS when a victim needed feeding; the run is still bounded
    // (at most KILLS × 22 tasks past it) and every submission must have been accepted and finished.
    expect(submissions.length).toBeGreaterThanOrEqual(TASKS);
    expect([check.accepted, check.succeeded]).toEqual([submissions.length, submissions.length]);
    expect(check.failed).toEqual({});
    expect([check.lost, check.duplicated, check.unexpected, check.stuck, check.notAcceptedViolations]).toEqual([[], [], [], [], []]);
    // A task can finish between seeing it in flight and the SIGKILL landing; the run must still have
    // killed workers mid-task, which is what makes the redelivery checks below mean something.
    expect(killedMidTask.length).toBeGreaterThan(0);
    for (const { id, pid } of killedMidTask) {
      const runs = check.logs.executions.filter((e) => e.id === id);
      expect(runs.length).toBeGreaterThan(0);
      expect(runs.filter((e) => e.pid === pid)).toEqual([]);
      expect(new Set(runs.map((e) => e.sha256))).toEqual(new Set([sha256(faultOutput(id, scripts.get(id) ?? ''))]));
      expect(check.records.get(id)?.attempts).toBeGreaterThanOrEqual(2);
    }
  }, 150_000);
});
