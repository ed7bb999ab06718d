import { randomUUID } from 'node:crypto';
import { encodeTaskPayload, type TaskPayload } from '@offload/contracts';
import { openDeadLetterQueue } from '@offload/broker';
import { redriveDeadLetters } from '@offload/dead-letters';
import { rawConnection, waitUntil } from '@offload/test-support';
import { assertCliBuilt, readDeadLetters, runDlq } from './dlq-cli';
import { createWorkerHarness, type WorkerHarness } from './harness';
import { scriptedHandler, task } from './scripted-handler';

describe('dlq command', () => {
  const script = scriptedHandler();
  let h: WorkerHarness;
  const ids = { a: '', b: '', c: '', ok: '', poison: randomUUID() };
  const nowhere = `${randomUUID().slice(0, 8)}.nowhere`;

  const cli = (args: string[], env: Record<string, string> = {}) => runDlq(h, args, env);

  /** The message ids in the dead-letter queue, in queue order; reading returns them all. */
  const deadLetterIds = () => readDeadLetters(h, (e) => e.messageId);

  const sorted = (values: readonly (string | undefined)[]) => [...values].sort();

  async function readyMessages(queue: string): Promise<number> {
    const connection = await rawConnection();
    try {
      const channel = await connection.createChannel();
      const { messageCount } = await channel.checkQueue(queue);
      await channel.close();
      return messageCount;
    } finally {
      await connection.close();
    }
  }

  beforeAll(async () => {
    assertCliBuilt();
    h = await createWorkerHarness({ handlers: { watermark: script.handler }, maxAttempts: 3 });
    const worker = await h.startWorker();
    ids.a = await h.submit(task('broken'));
    ids.b = await h.submit(task('broken'));
    ids.c = await h.submit(task('permanent'));
    ids.ok = await h.submit(task('ok'));
    await h.publishRaw('watermark', Buffer.from('this is not json'), ids.poison);
    await Promise.all([ids.a, ids.b, ids.c].map((id) => h.waitForStatus(id, ['failed'])));
    await h.waitForStatus(ids.ok, ['succeeded']);
    await waitUntil(async () => (await deadLetterIds()).length === 4, { description: 'four dead letters' });
    // Stopped, so the test can see a re-driven record wait in `queued`. The failure events it
    // leaves queued are older than any re-drive, so the recorder ignores them when it restarts.
    await worker.close();
    const connection = await rawConnection();
    const channel = await connection.createChannel();
    await channel.assertExchange(nowhere, 'direct', { durable: false, autoDelete: false });
    await channel.close();
    await connection.close();
  });

  afterAll(async () => {
    const connection = await rawConnection();
    const channel = await connection.createChannel();
    await channel.deleteExchange(nowhere);
    await channel.close();
    await connection.close();
    await h.close();
  });

  it('lists each dead letter with its id, type, reason, attempts and error', async () => {
    const { code, stdout } = await cli(['list']);
    expect(code).toBe(0);
    const lines = stdout.split('\n');
    expect(lines[0]).toMatch(/^ID\s+TASK TYPE\s+REASON\s+ATTEMPTS\s+DEAD-LETTERED AT\s+ERROR$/);
    expect(lines.find((l) => l.startsWith(ids.a))).toMatch(/watermark\s+corrupt_image\s+1\s+\d{4}-\d\d-\d\dT\S+\s+the image is broken until repaired$/);
    expect(lines.find((l) => l.startsWith(ids.c))).toMatch(/watermark\s+corrupt_image\s+1\s+.*the image is truncated$/);
    expect(lines.find((l) => l.startsWith(ids.poison))).toMatch(/^\S+\s+watermark\s+invalid_message\s+1\s+.*cannot be re-driven.*not UTF-8 JSON/);
    expect(stdout).toContain(`4 dead letters in ${h.topology.deadLetterQueue}`);
  });

  it('prints a JSON array with --json and leaves the queue as it was when listed twice', async () => {
    const before = await deadLetterIds();
    const first = await cli(['list', '--json']);
    const second = await cli(['list', '--json']);
    expect(first.code).toBe(0);
    const rows: unknown = JSON.parse(first.stdout);
    expect(rows).toHaveLength(4);
    expect(rows).toContainEqual({
      id: ids.a,
      task_type: 'watermark',
      reason: 'corrupt_image',
      error: 'the image is broken until repaired',
      attempts: 1,
      dead_lettered_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      source_queue: h.topology.workQueues.watermark,
      decodable: true,
    });
    expect(rows).toContainEqual(expect.objectContaining({ id: ids.poison, reason: 'invalid_message', decodable: false }));
    expect(JSON.parse(second.stdout)).toEqual(rows);
    expect(sorted(await deadLetterIds())).toEqual(sorted(before));
  });

  it('re-drives one task by id: record queued with attempts reset, then run to success', async () => {
    const { code, stdout } = await cli(['redrive', '--id', ids.a]);
    expect(code).toBe(0);
    expect(stdout).toMatch(new RegExp(`re-driven\\s+${ids.a}\\s+watermark`));
    expect(stdout).toContain('re-driven 1, skipped 0 (already succeeded), not found 0');
    const queued = await h.storage.records.get(ids.a);
    expect(queued).toMatchObject({ status: 'queued', attempts: 0 });
    expect(queued?.error).toBeUndefined();
    expect(queued?.finished_at).toBeUndefined();
    expect(queued?.next_attempt_at).toBeUndefined();
    expect(await readyMessages(h.topology.workQueues.watermark)).toBe(1);
    expect(sorted(await deadLetterIds())).toEqual(sorted([ids.b, ids.c, ids.poison]));

    script.repair();
    await h.startWorker();
    const record = await h.waitForStatus(ids.a, ['succeeded']);
    expect(record.attempts).toBe(1);
    expect(record.error).toBeUndefined();
    expect(script.calls(ids.a)).toBe(2);
  });

  it('acks the dead letter of a task that already succeeded without running it again', async () => {
    const created_at = (await h.storage.records.get(ids.ok))?.created_at ?? new Date().toISOString();
    const payload: TaskPayload = { v: 1, id: ids.ok, task_type: 'watermark', content: task('ok').content, created_at, retry_count: 0 };
    await h.publisher.publish({
      exchange: h.topology.deadLetterExchange,
      routingKey: 'watermark',
      body: Buffer.from(encodeTaskPayload(payload)),
      messageId: ids.ok,
      type: 'watermark',
      headers: { 'x-offload-reason': 'handler_failed', 'x-offload-error': 'late duplicate' },
    });
    const { code, stdout } = await cli(['redrive', '--id', ids.ok]);
    expect(code).toBe(0);
    expect(stdout).toContain('re-driven 0, skipped 1 (already succeeded), not found 0');
    expect((await h.storage.records.get(ids.ok))?.status).toBe('succeeded');
    expect(script.calls(ids.ok)).toBe(1);
    expect(await deadLetterIds()).not.toContain(ids.ok);
  });

  it('reports an id that is not in the queue and exits 1', async () => {
    const missing = randomUUID();
    const before = await deadLetterIds();
    const { code, stdout } = await cli(['redrive', '--id', missing]);
    expect(code).toBe(1);
    expect(stdout).toMatch(new RegExp(`not found\\s+${missing}`));
    expect(stdout).toContain('re-driven 0, skipped 0 (already succeeded), not found 1');
    expect(sorted(await deadLetterIds())).toEqual(sorted(before));
  });

  it('puts the record back to failed and keeps the dead letter when the publish is not confirmed', async () => {
    const before = await h.storage.records.get(ids.b);
    const reader = await openDeadLetterQueue({ manager: h.manager, queue: h.topology.deadLetterQueue });
    // A task exchange with no queue bound: the mandatory publish comes back unroutable.
    const topology = { ...h.topology, taskExchange: nowhere };
    const { outcomes } = await redriveDeadLetters({ reader, publisher: h.publisher, records: h.storage.records, topology }, { kind: 'ids', ids: [ids.b] });
    await reader.close();
    expect(outcomes).toEqual([{ kind: 'failed', id: ids.b, message: expect.stringMatching(/not published.*back to failed/) }]);
    const after = await h.storage.records.get(ids.b);
    expect(after).toMatchObject({ status: 'failed', attempts: before?.attempts, error: before?.error, finished_at: before?.finished_at });
    expect(await deadLetterIds()).toContain(ids.b);
  });

  it('re-drives everything with --all; a task that fails again returns, a poison entry stays', async () => {
    const { code, stdout } = await cli(['redrive', '--all']);
    expect(code).toBe(1);
    expect(stdout).toContain('re-driven 2, skipped 0 (already succeeded), not found 0, left in the dead-letter queue 1');
    expect(stdout).toMatch(new RegExp(`left\\s+${ids.poison}\\s+not a valid task message`));
    expect((await h.waitForStatus(ids.b, ['succeeded'])).attempts).toBe(1);
    await waitUntil(() => script.calls(ids.c) === 2, { description: 'the re-driven permanent failure to run again' });
    const failed = await h.waitForStatus(ids.c, ['failed']);
    expect(failed).toMatchObject({ attempts: 1, error: { code: 'corrupt_image', message: 'the image is truncated' } });
    await waitUntil(async () => (await deadLetterIds()).includes(ids.c), { description: 'the task to be dead-lettered again' });
    expect(sorted(await deadLetterIds())).toEqual(sorted([ids.c, ids.poison]));
  });

  it('reports a poison entry selected by id and leaves it in the queue', async () => {
    const { code, stdout } = await cli(['redrive', '--id', ids.poison]);
    expect(code).toBe(1);
    expect(stdout).toMatch(/not a valid task message: body is not UTF-8 JSON/);
    expect(await deadLetterIds()).toContain(ids.poison);
  });

  it.each([
    [[]],
    [['purge']],
    [['list', '--all']],
    [['redrive']],
    [['redrive', '--id', 'not-a-uuid']],
    [['redrive', '--all', '--id', randomUUID()]],
  ])('exits 2 with the usage on stderr for %j', async (args) => {
    const { code, stdout, stderr } = await cli(args);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^offload dlq: .+\n\nusage: npm run dlq -- <command>/);
  });

  it('exits 1 with one line when the broker cannot be reached', async () => {
    const { code, stderr } = await cli(['list'], { AMQP_URL: 'amqp://guest:guest@127.0.0.1:1', BROKER_CONNECT_TIMEOUT_MS: '300' });
    expect(code).toBe(1);
    expect(stderr).toMatch(/^offload dlq: cannot reach RabbitMQ at amqp:\/\/guest:\*\*\*@127\.0\.0\.1:1\/? within 300 ms.*\n$/);
  });
});
