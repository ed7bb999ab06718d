import { waitUntil } from '@offload/test-support';
import type { Submission } from './support/api-client';
import { checkHistory, printCheck } from './support/checker';
import { describeExit } from './support/child-process';
import { readExecutionLogs } from './support/execution-log';
import { startFaultSystem, type FaultSystem } from './support/fault-system';
import { faultSeed, seededRandom } from './support/seeded-random';

const GRACE_MS = 500;
/** Time to release, close channels and exit after the grace period: generous on a busy machine. */
const EXIT_MARGIN_MS = 10_000;

describe('graceful shutdown with long tasks in flight', () => {
  const random = seededRandom(faultSeed());
  let system: FaultSystem;

  beforeAll(async () => {
    system = await startFaultSystem();
  }, 60_000);
  afterAll(() => system.close(), 60_000);

  it('exits 0 within the grace period and the other worker finishes the released tasks', async () => {
    const started = Date.now();
    const leaving = await system.startWorker({ WORKER_SHUTDOWN_GRACE_MS: String(GRACE_MS), WORKER_CONCURRENCY: '2' });
    // Longer than the grace period plus the other worker's start-up by far: both must be released.
    const submissions: Submission[] = [];
    for (let i = 0; i < 2; i++) submissions.push(await system.api.submit(system.imageKey, `work:${random.int(6000, 7000)}`));
    const inFlight = await waitUntil(
      async () => {
        const ids = (await readExecutionLogs(system.dataDir)).starts.filter((s) => s.pid === leaving.pid).map((s) => s.id);
        return ids.length === 2 ? ids : undefined;
      },
      { timeoutMs: 20_000, description: 'the leaving worker to start both tasks' },
    );
    const staying = await system.startWorker();

    const signalled = Date.now();
    const exit = await leaving.stop('SIGTERM', GRACE_MS + EXIT_MARGIN_MS);
    const exitedAfterMs = Date.now() - signalled;
    // More tasks after the shutdown: the staying worker takes them with the released ones.
    for (let i = random.int(1, 3); i > 0; i--) submissions.push(await system.api.submit(system.imageKey, `work:${random.int(30, 80)}`));

    const check = await checkHistory(submissions, { dataDir: system.dataDir, deadlineMs: 30_000 });
    printCheck('graceful-shutdown', random.seed, check, Date.now() - started);
    const released = leaving.logLines().filter((l) => l.msg === 'task released to the queue on shutdown').map((l) => l.task_id);
    process.stdout.write(`[faults] graceful-shutdown exit=${describeExit(exit)} after ${exitedAfterMs} ms (grace ${GRACE_MS} ms) released=${released.length}\n`);

    expect(describeExit(exit)).toBe('code 0');
    expect(exitedAfterMs).toBeLessThan(GRACE_MS + EXIT_MARGIN_MS);
    expect(released.sort()).toEqual([...inFlight].sort());
    expect(check.succeeded).toBe(submissions.length);
    expect(check.failed).toEqual({});
    for (const id of inFlight) {
      expect(check.logs.executions.filter((e) => e.id === id).map((e) => e.pid)).toEqual([staying.pid]);
      expect(check.records.get(id)?.attempts).toBe(2);
    }
    expect([check.lost, check.duplicated, check.unexpected, check.stuck, check.notAcceptedViolations]).toEqual([[], [], [], [], []]);
  }, 90_000);
});
