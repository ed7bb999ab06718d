import { waitUntil } from '@offload/test-support';
import { checkHistory, printCheck } from './support/checker';
import { startFaultSystem, type FaultSystem } from './support/fault-system';
import { faultSeed, seededRandom } from './support/seeded-random';

const RETRY_BASE_MS = 800;
const FAILURES = 3;

describe('retries with backoff', () => {
  const random = seededRandom(faultSeed());
  let system: FaultSystem;

  beforeAll(async () => {
    system = await startFaultSystem({ workerEnv: { RETRY_BASE_MS: String(RETRY_BASE_MS), RETRY_MAX_MS: '60000', WATERMARK_MAX_ATTEMPTS: '5' } });
    await system.startWorker();
  }, 60_000);
  afterAll(() => system.close(), 60_000);

  it('succeeds on attempt k+1 after k transient failures, with growing recorded delays', async () => {
    const started = Date.now();
    const submission = await system.api.submit(system.imageKey, `flaky:${FAILURES}:${random.int(10, 50)}`);
    if (submission.outcome !== 'accepted') throw new Error(`not accepted: ${JSON.stringify(submission)}`);

    // Each `retrying` state lasts its delay (≥ RETRY_BASE_MS / 2), far longer than a poll.
    const delays = new Map<string, number>();
    const final = await waitUntil(
      async () => {
        const record = await system.api.record(submission.id);
        if (record?.status === 'retrying' && record.next_attempt_at !== undefined) {
          delays.set(record.next_attempt_at, Date.parse(record.next_attempt_at) - Date.parse(record.updated_at));
        }
        return record?.status === 'succeeded' || record?.status === 'failed' ? record : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 20, description: 'the flaky task to finish' },
    );
    const check = await checkHistory([submission], { dataDir: system.dataDir, deadlineMs: 5_000 });
    printCheck('retry-backoff', random.seed, check, Date.now() - started);
    process.stdout.write(`[faults] retry-backoff recorded delays (ms): ${[...delays.values()].join(', ')}\n`);

    expect(final.status).toBe('succeeded');
    expect(final.attempts).toBe(FAILURES + 1);
    expect(final.error).toBeUndefined();
    const recorded = [...delays.values()];
    expect(recorded).toHaveLength(FAILURES);
    // Equal jitter: the delay after attempt n lies in [c/2, c] with c = base × 2^(n-1) (±1 ms:
    // the record's two timestamps are taken a moment apart), so each is longer than the last.
    recorded.forEach((delay, i) => {
      const ceiling = RETRY_BASE_MS * 2 ** i;
      expect(delay).toBeGreaterThanOrEqual(ceiling / 2 - 1);
      expect(delay).toBeLessThanOrEqual(ceiling + 1);
    });
    for (let i = 1; i < recorded.length; i++) expect(recorded[i]).toBeGreaterThan(recorded[i - 1] ?? Infinity);
    expect(check.logs.starts.filter((s) => s.id === submission.id)).toHaveLength(FAILURES + 1);
    expect(check.logs.executions.filter((e) => e.id === submission.id)).toHaveLength(1);
    expect([check.lost, check.duplicated, check.unexpected, check.stuck]).toEqual([[], [], [], []]);
  }, 60_000);
});
