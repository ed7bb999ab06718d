import { waitUntil } from '@offload/test-support';
import type { Submission } from './support/api-client';
import { withBrokerDown, type BrokerOutage } from './support/broker-node';
import { checkHistory, printCheck } from './support/checker';
import { readExecutionLogs, unfinishedBy } from './support/execution-log';
import { startFaultSystem, type FaultSystem, type WorkerProcess } from './support/fault-system';
import { faultSeed, seededRandom } from './support/seeded-random';
import { processedCount } from './support/worker-metrics';

const TASKS = 120;

describe.each<[BrokerOutage, string]>([
  ['app', 'rabbit application stopped and started'],
  ['node', 'whole node stopped and booted again'],
])('a broker restart mid-run (%s: %s)', (outage) => {
  const random = seededRandom(faultSeed());
  let system: FaultSystem;

  beforeAll(async () => {
    system = await startFaultSystem();
  }, 60_000);
  afterAll(() => system.close(), 60_000);

  async function ready(url: string): Promise<boolean> {
    return (await fetch(url, { signal: AbortSignal.timeout(5_000) })).ok;
  }

  it('refuses with 503 while the broker is down and finishes every accepted task after it returns', async () => {
    const started = Date.now();
    const workers: WorkerProcess[] = [await system.startWorker(), await system.startWorker()];
    const before = random.int(30, 60);
    const whileDown = random.int(8, 16);
    const rightAfter = random.int(5, 10);
    const submissions: Submission[] = [];
    const submit = async (count: number): Promise<Submission[]> => {
      const batch: Submission[] = [];
      for (let i = 0; i < count; i++) batch.push(await system.api.submit(system.imageKey, `work:${random.int(30, 80)}`));
      submissions.push(...batch);
      return batch;
    };

    await submit(before);
    // Two long tasks, in flight when the broker goes: one ends during the outage (its ack has no
    // channel), one outlasts it (the broker has redelivered it by the time it ends).
    const long = [`work:${random.int(800, 1500)}`, `work:${random.int(5000, 7000)}`];
    const longOnes: Submission[] = [];
    for (const script of long) longOnes.push(await system.api.submit(system.imageKey, script));
    submissions.push(...longOnes);
    const longIds = longOnes.flatMap((s) => (s.outcome === 'accepted' ? [s.id] : []));
    await waitUntil(
      async () => {
        const logs = await readExecutionLogs(system.dataDir);
        const inFlight = new Set(workers.flatMap((w) => unfinishedBy(logs, w.pid)));
        return longIds.length === long.length && longIds.every((id) => inFlight.has(id));
      },
      { timeoutMs: 30_000, intervalMs: 10, description: 'both long tasks in flight' },
    );
    const refused = await withBrokerDown(system.node, outage, () => submit(whileDown));
    // Right after the restart the API and workers may not have reconnected yet: 202 or 503.
    await submit(rightAfter);
    await waitUntil(
      async () => (await ready(`${system.api.base}/readyz`)) && (await Promise.all(workers.map((w) => ready(`http://127.0.0.1:${w.httpPort}/readyz`)))).every(Boolean),
      { timeoutMs: 60_000, intervalMs: 100, description: 'the API and both workers to reconnect' },
    );
    await submit(TASKS - before - long.length - whileDown - rightAfter);

    const check = await checkHistory(submissions, { dataDir: system.dataDir, deadlineMs: 60_000 });
    printCheck(`broker-restart:${outage}`, random.seed, check, Date.now() - started);
    const skipped = (await Promise.all(workers.map((w) => processedCount(w, 'skipped')))).reduce((a, b) => a + b, 0);
    process.stdout.write(`[faults] broker-restart:${outage} redeliveries of finished tasks acked unrun=${skipped}\n`);

    expect(refused.map((s) => s.outcome)).toEqual(refused.map(() => 'not_accepted'));
    expect(check.indeterminate).toBe(0);
    expect(check.accepted + check.notAccepted).toBe(TASKS);
    expect(check.succeeded).toBe(check.accepted);
    expect(check.failed).toEqual({});
    expect([check.lost, check.duplicated, check.unexpected, check.stuck, check.notAcceptedViolations]).toEqual([[], [], [], [], []]);
    // Nobody restarted a process: they reconnected by themselves.
    expect([system.apiProcess.exit(), ...workers.map((w) => w.exit())]).toEqual([undefined, undefined, undefined]);
  }, 150_000);
});
