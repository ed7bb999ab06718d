import { waitUntil } from '@offload/test-support';
import type { Submission } from './support/api-client';
import { checkHistory, printCheck } from './support/checker';
import { readExecutionLogs } from './support/execution-log';
import { startFaultSystem, type FaultSystem } from './support/fault-system';
import { faultSeed, seededRandom } from './support/seeded-random';
import { superviseWorkers, type Supervisor } from './support/supervisor';

const MAX_DELIVERIES = 3;

describe('a task that crashes its worker every time', () => {
  const random = seededRandom(faultSeed());
  let system: FaultSystem;
  let supervisor: Supervisor | undefined;

  beforeEach(async () => {
    system = await startFaultSystem({ workerEnv: { WORKER_MAX_DELIVERIES: String(MAX_DELIVERIES) } });
  }, 60_000);
  afterEach(async () => {
    try {
      await supervisor?.stop();
    } finally {
      supervisor = undefined;
      await system.close();
    }
  }, 60_000);

  async function submitAccepted(script: string): Promise<Submission & { outcome: 'accepted' }> {
    const submission = await system.api.submit(system.imageKey, script);
    if (submission.outcome !== 'accepted') throw new Error(`not accepted: ${JSON.stringify(submission)}`);
    return submission;
  }

  it('fails as worker_lost after WORKER_MAX_DELIVERIES deliveries while healthy tasks succeed on the other replica', async () => {
    const started = Date.now();
    // One task per process at a time (prefetch 1): a crash takes down only the task that caused
    // it. With more, the tasks beside it share its fate (see the next test).
    supervisor = await superviseWorkers(system, 2, { WORKER_CONCURRENCY: '1' });
    const crash = await submitAccepted('crash');
    const healthy: Submission[] = [];
    for (let i = random.int(3, 6); i > 0; i--) healthy.push(await system.api.submit(system.imageKey, `work:${random.int(30, 80)}`));

    const check = await checkHistory([crash, ...healthy], { dataDir: system.dataDir, deadlineMs: 60_000 });
    printCheck('crash-loop', random.seed, check, Date.now() - started);
    const deaths = supervisor.deaths();
    process.stdout.write(`[faults] crash-loop worker deaths=${deaths.length}\n`);

    const record = check.records.get(crash.id);
    expect([record?.status, record?.error?.code, record?.attempts]).toEqual(['failed', 'worker_lost', MAX_DELIVERIES]);
    const crashStarts = check.logs.starts.filter((s) => s.id === crash.id).map((s) => s.pid);
    expect(deaths.map((d) => d.exit.signal)).toEqual(crashStarts.map(() => 'SIGKILL'));
    expect(deaths.map((d) => d.pid).sort()).toEqual([...crashStarts].sort());
    expect(crashStarts).toHaveLength(MAX_DELIVERIES);
    expect(check.succeeded).toBe(healthy.length);
    expect(check.failed).toEqual({ worker_lost: 1 });
    expect([check.lost, check.duplicated, check.unexpected, check.stuck, check.notAcceptedViolations]).toEqual([[], [], [], [], []]);
  }, 120_000);

  // A crash requeues every task the process held and the broker hands them out together again;
  // lost runs are counted per task on its record and a task that lost one runs alone, so only
  // the crashing task reaches the limit.
  it('lets a healthy task running beside the crashing one on the same worker succeed', async () => {
    const started = Date.now();
    supervisor = await superviseWorkers(system, 1, { WORKER_CONCURRENCY: '2' });
    const healthy = await submitAccepted('work:1500');
    await waitUntil(async () => (await readExecutionLogs(system.dataDir)).starts.some((s) => s.id === healthy.id), {
      description: 'the healthy task to start',
    });
    const crash = await submitAccepted('crash');
    const check = await checkHistory([healthy, crash], { dataDir: system.dataDir, deadlineMs: 60_000 });
    printCheck('crash-loop:bystander', random.seed, check, Date.now() - started);
    expect(check.records.get(crash.id)?.error?.code).toBe('worker_lost');
    expect(check.records.get(healthy.id)?.status).toBe('succeeded');
  }, 120_000);
});
