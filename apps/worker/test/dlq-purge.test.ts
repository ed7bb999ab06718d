import { randomUUID } from 'node:crypto';
import { entryTaskId } from '@offload/dead-letters';
import { rawConnection, waitUntil } from '@offload/test-support';
import { assertCliBuilt, readDeadLetters, runDlq } from './dlq-cli';
import { createWorkerHarness, type WorkerHarness } from './harness';
import { scriptedHandler, task } from './scripted-handler';

describe('dlq purge and invalid messages', () => {
  const script = scriptedHandler();
  let h: WorkerHarness;
  const ids = { p1: '', p2: '', p3: '', namedInBody: randomUUID(), namedInProperties: randomUUID() };

  const cli = (args: string[]) => runDlq(h, args);
  /** The task id of each dead letter as `list` shows it (null when it names none), sorted. */
  const listedIds = async () => (await readDeadLetters(h, (e) => entryTaskId(e) ?? null)).sort();

  /** Publishes to the watermark queue with only the properties given (no message id or type unless set). */
  async function publishBare(body: string, properties: { messageId?: string; type?: string } = {}): Promise<void> {
    const connection = await rawConnection();
    try {
      const channel = await connection.createConfirmChannel();
      channel.publish(h.topology.taskExchange, 'watermark', Buffer.from(body), { persistent: true, ...properties });
      await channel.waitForConfirms();
      await channel.close();
    } finally {
      await connection.close();
    }
  }

  beforeAll(async () => {
    assertCliBuilt();
    h = await createWorkerHarness({ handlers: { watermark: script.handler }, maxAttempts: 3 });
    const worker = await h.startWorker();
    ids.p1 = await h.submit(task('permanent'));
    ids.p2 = await h.submit(task('permanent'));
    ids.p3 = await h.submit(task('permanent'));
    // Valid JSON that is not an envelope (no v, content, created_at), and no AMQP properties:
    // the worker dead-letters it with `unknown` as message id and type.
    await publishBare(JSON.stringify({ task_type: 'watermark', id: ids.namedInBody }));
    // Not JSON; the properties name the task.
    await publishBare('<xml>not json</xml>', { messageId: ids.namedInProperties, type: 'watermark' });
    // Not JSON, with a terminal escape in the body and in the type property: names nothing.
    await publishBare('\u001b[2J not json', { type: 'evil\u001b[31m' });
    await Promise.all([ids.p1, ids.p2, ids.p3].map((id) => h.waitForStatus(id, ['failed'])));
    await waitUntil(async () => (await listedIds()).length === 6, { description: 'six dead letters' });
    await worker.close();
  });

  afterAll(async () => {
    await h.close();
  });

  it('lists an invalid message with the task type and id its body or properties name', async () => {
    const { code, stdout } = await cli(['list']);
    expect(code).toBe(0);
    const lines = stdout.split('\n');
    expect(lines.find((l) => l.startsWith(ids.namedInBody))).toMatch(/^\S+\s+watermark\s+invalid_message\s+1\s+\S+\s+\(cannot be re-driven\) invalid message: /);
    expect(lines.find((l) => l.startsWith(ids.namedInProperties))).toMatch(/^\S+\s+watermark\s+invalid_message\s+1\s+.*not UTF-8 JSON/);
    expect(lines.filter((l) => /^-\s+-\s+invalid_message\s/.test(l))).toHaveLength(1);
    // The escape in the body reaches the error text only as U+FFFD, and the type is not shown.
    expect(stdout).not.toContain('\u001b');
    expect(stdout).not.toContain('evil');

    const rows: unknown = JSON.parse((await cli(['list', '--json'])).stdout);
    expect(rows).toContainEqual(expect.objectContaining({ id: ids.namedInBody, task_type: 'watermark', reason: 'invalid_message', decodable: false }));
    expect(rows).toContainEqual(expect.objectContaining({ id: ids.namedInProperties, task_type: 'watermark', reason: 'invalid_message', decodable: false }));
    expect(rows).toContainEqual(expect.objectContaining({ id: null, task_type: null, reason: 'invalid_message' }));
  });

  it.each([
    [['purge', '--id', '<p1>'], /^offload dlq: purge would remove the dead letters of task <p1> for good \(a purged task stays failed\); add --yes to confirm\n\nusage:/],
    [['purge', '--all'], /^offload dlq: purge would remove every dead letter in the queue for good \(a purged task stays failed\); add --yes to confirm\n\nusage:/],
  ])('refuses %j without --yes, exits 2 and removes nothing', async (args, message) => {
    const before = await listedIds();
    const { code, stdout, stderr } = await cli(args.map((a) => a.replace('<p1>', ids.p1)));
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.replace(ids.p1, '<p1>')).toMatch(message);
    expect(await listedIds()).toEqual(before);
  });

  it('purges one task by id: gone from the queue, its record still failed with its error', async () => {
    const before = await h.storage.records.get(ids.p1);
    expect(before).toMatchObject({ status: 'failed', error: { code: 'corrupt_image' } });
    const { code, stdout } = await cli(['purge', '--id', ids.p1, '--yes']);
    expect(code).toBe(0);
    expect(stdout).toMatch(new RegExp(`^OUTCOME\\s+ID\\s+TASK TYPE\\s+DETAIL\\npurged\\s+${ids.p1}\\s+watermark\\s+corrupt_image\\n`));
    expect(stdout).toContain('purged 1, not found 0\ntask records are unchanged: a purged task stays failed, with its error');
    expect(await listedIds()).not.toContain(ids.p1);
    expect(await listedIds()).toHaveLength(5);
    expect(await h.storage.records.get(ids.p1)).toEqual(before);
  });

  it('purges an invalid message by the id its body names', async () => {
    const { code, stdout } = await cli(['purge', '--id', ids.namedInBody, '--yes']);
    expect(code).toBe(0);
    expect(stdout).toMatch(new RegExp(`purged\\s+${ids.namedInBody}\\s+watermark\\s+invalid_message`));
    expect(await listedIds()).not.toContain(ids.namedInBody);
  });

  it('reports an --id that is not in the queue and exits 1, purging the ones that are', async () => {
    const missing = randomUUID();
    const { code, stdout } = await cli(['purge', '--id', missing, '--id', ids.p2, '--yes']);
    expect(code).toBe(1);
    expect(stdout).toMatch(new RegExp(`purged\\s+${ids.p2}\\s+watermark\\s+corrupt_image`));
    expect(stdout).toMatch(new RegExp(`not found\\s+${missing}\\s+-\\s+not in ${h.topology.deadLetterQueue.replace(/\./g, '\\.')}`));
    expect(stdout).toContain(`purged 1, not found 1 (${missing})`);
    expect((await listedIds()).sort()).toEqual([ids.p3, ids.namedInProperties, null].sort());
  });

  it('purges every entry with --all, those that name no task too, and leaves records failed', async () => {
    const { code, stdout } = await cli(['purge', '--all', '--yes']);
    expect(code).toBe(0);
    expect(stdout).toContain('purged 3, not found 0\n');
    expect(stdout).toMatch(/purged\s+-\s+-\s+invalid_message/);
    expect(await listedIds()).toEqual([]);
    expect(await h.storage.records.get(ids.p3)).toMatchObject({ status: 'failed', error: { code: 'corrupt_image', message: 'the image is truncated' } });
    expect((await cli(['list'])).stdout).toBe(`no dead letters in ${h.topology.deadLetterQueue}\n`);
  });

  it('purges nothing from an empty queue and exits 0', async () => {
    const { code, stdout } = await cli(['purge', '--all', '--yes']);
    expect(code).toBe(0);
    expect(stdout).toBe(`no dead letters in ${h.topology.deadLetterQueue}\npurged 0, not found 0\n`);
  });
});
