import { randomUUID } from 'node:crypto';
import { waitUntil } from '@offload/test-support';
import type { Submission } from './support/api-client';
import { checkHistory, printCheck } from './support/checker';
import { startFaultSystem, type FaultSystem, type WorkerProcess } from './support/fault-system';
import { listDeadLetters, publishToQueue, queueState } from './support/queue-inspection';
import { faultSeed, seededRandom } from './support/seeded-random';

describe('poison messages', () => {
  const random = seededRandom(faultSeed());
  let system: FaultSystem;
  let worker: WorkerProcess;

  beforeAll(async () => {
    system = await startFaultSystem();
    worker = await system.startWorker();
  }, 60_000);
  afterAll(() => system.close(), 60_000);

  it('dead-letters a non-JSON and a wrong-schema message at once and keeps serving', async () => {
    const started = Date.now();
    const { url } = system.node;
    const notJson = randomUUID();
    const wrongSchema = randomUUID();
    await publishToQueue(url, system.topology.workQueues.watermark, Buffer.from('{"this is": not json'), notJson);
    const badBody = { v: 1, id: wrongSchema, task_type: 'watermark', content: { image: 42 } };
    await publishToQueue(url, system.topology.workQueues.watermark, Buffer.from(JSON.stringify(badBody)), wrongSchema);

    const letters = await waitUntil(
      async () => {
        const all = await listDeadLetters(url, system.topology.deadLetterQueue);
        const mine = [notJson, wrongSchema].map((id) => all.find((d) => d.id === id));
        return mine.every((d) => d !== undefined) ? mine : undefined;
      },
      { timeoutMs: 20_000, description: 'both poison messages in the dead-letter queue' },
    );
    for (const letter of letters) {
      expect(letter?.headers['x-offload-reason']).toBe('invalid_message');
      expect(letter?.headers['x-offload-attempts']).toBe(1);
    }

    // The same worker process serves normal tasks afterwards.
    const healthy: Submission[] = [];
    for (let i = random.int(1, 3); i > 0; i--) healthy.push(await system.api.submit(system.imageKey, `work:${random.int(10, 50)}`));
    const check = await checkHistory(healthy, { dataDir: system.dataDir, deadlineMs: 20_000 });
    printCheck('poison-message', random.seed, check, Date.now() - started);

    expect(worker.exit()).toBeUndefined();
    expect(check.succeeded).toBe(healthy.length);
    const ran = check.logs.starts.map((s) => s.id);
    expect([ran.includes(notJson), ran.includes(wrongSchema)]).toEqual([false, false]);
    expect([check.lost, check.duplicated, check.unexpected, check.stuck, check.notAcceptedViolations]).toEqual([[], [], [], [], []]);
    expect((await queueState(url, system.topology.workQueues.watermark)).messageCount).toBe(0);
  }, 60_000);
});
