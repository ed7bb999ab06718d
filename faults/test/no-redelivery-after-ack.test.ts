import type { Submission } from './support/api-client';
import { checkHistory, printCheck } from './support/checker';
import { describeExit } from './support/child-process';
import { startFaultSystem, type FaultSystem } from './support/fault-system';
import { queueState } from './support/queue-inspection';
import { faultSeed, seededRandom } from './support/seeded-random';
import { processedCount } from './support/worker-metrics';

describe('acknowledged tasks across a graceful restart', () => {
  const random = seededRandom(faultSeed());
  let system: FaultSystem;

  beforeAll(async () => {
    system = await startFaultSystem();
  }, 60_000);
  afterAll(() => system.close(), 60_000);

  it('never delivers an acked message again after SIGTERM and a new worker', async () => {
    const started = Date.now();
    const first = await system.startWorker();
    const count = random.int(20, 40);
    const earlier: Submission[] = [];
    for (let i = 0; i < count; i++) earlier.push(await system.api.submit(system.imageKey, `work:${random.int(20, 60)}`));
    const before = await checkHistory(earlier, { dataDir: system.dataDir, deadlineMs: 30_000 });
    expect(before.succeeded).toBe(count);

    const exit = await first.stop('SIGTERM');
    expect(describeExit(exit)).toBe('code 0');
    // Nothing the first worker acked may be back in the queue, ready for the next consumer.
    expect(await queueState(system.node.url, system.topology.workQueues.watermark)).toEqual({ messageCount: 0, consumerCount: 0 });

    const second = await system.startWorker();
    const marker = await system.api.submit(system.imageKey, 'work:10');
    const all = await checkHistory([...earlier, marker], { dataDir: system.dataDir, deadlineMs: 30_000 });
    printCheck('no-redelivery-after-ack', random.seed, all, Date.now() - started);

    expect(all.succeeded).toBe(count + 1);
    expect([await processedCount(second, 'succeeded'), await processedCount(second, 'skipped')]).toEqual([1, 0]);
    for (const s of earlier) {
      if (s.outcome !== 'accepted') throw new Error(`not accepted: ${JSON.stringify(s)}`);
      expect(all.logs.starts.filter((e) => e.id === s.id).map((e) => e.pid)).toEqual([first.pid]);
      expect(all.logs.executions.filter((e) => e.id === s.id).map((e) => e.pid)).toEqual([first.pid]);
    }
    expect([all.lost, all.duplicated, all.unexpected, all.stuck, all.notAcceptedViolations]).toEqual([[], [], [], [], []]);
  }, 90_000);
});
