import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { SIGNATURE_HEADER, createMessageSigner, encodeTaskPayload, type MessageSigner, type TaskPayload } from '@offload/contracts';
import { createPublisher, openDeadLetterQueue } from '@offload/broker';
import { redriveDeadLetters } from '@offload/dead-letters';
import { createLogger } from '@offload/telemetry';
import { rawConnection, waitUntil } from '@offload/test-support';
import { assertCliBuilt, runDlq } from './dlq-cli';
import { createWorkerHarness, type WorkerHarness } from './harness';
import { scriptedHandler, task } from './scripted-handler';

const CURRENT = 'current-test-signing-key-0123456789abcdef';
const PREVIOUS = 'previous-test-signing-key-0123456789abcdef';
const STRANGER = 'a-key-this-worker-never-held-0123456789ab';

describe('a worker with TASK_SIGNING_KEY', () => {
  const script = scriptedHandler();
  const logLines: Record<string, unknown>[] = [];
  let h: WorkerHarness;
  let current: MessageSigner;
  let previous: MessageSigner;
  let stranger: MessageSigner;

  beforeAll(async () => {
    current = await createMessageSigner({ current: CURRENT });
    previous = await createMessageSigner({ current: PREVIOUS });
    stranger = await createMessageSigner({ current: STRANGER });
    // The worker's log lines, to find its warning about each message it refused.
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean)) logLines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    h = await createWorkerHarness({ handlers: { watermark: script.handler }, maxAttempts: 3 });
    await h.startWorker({
      signer: await createMessageSigner({ current: CURRENT, previous: PREVIOUS }),
      logger: createLogger({ name: 'signed-worker-test', level: 'warn', destination }),
    });
  });
  afterAll(() => h.close());

  /** The record, as the API writes it before it publishes, and the envelope of a scripted task. */
  async function newTask(text: string, id = randomUUID()): Promise<{ id: string; body: Buffer }> {
    const now = new Date().toISOString();
    await h.storage.records.create({ id, task_type: 'watermark', status: 'queued', attempts: 0, created_at: now, updated_at: now });
    const payload: TaskPayload = { v: 1, id, task_type: 'watermark', content: task(text).content, created_at: now, retry_count: 0 };
    return { id, body: Buffer.from(encodeTaskPayload(payload)) };
  }

  /** Publishes as given: the harness's publisher signs nothing itself. */
  async function publish(body: Buffer, messageId: string, signature?: string): Promise<void> {
    const headers: Record<string, string> = signature === undefined ? {} : { [SIGNATURE_HEADER]: signature };
    await h.publisher.publish({ exchange: h.topology.taskExchange, routingKey: 'watermark', body, messageId, type: 'watermark', headers });
  }

  /** The headers of every dead letter, by message id; each goes back to the queue (never acked). */
  async function deadLetters(): Promise<Map<string | undefined, Record<string, unknown>>> {
    const connection = await rawConnection();
    try {
      const channel = await connection.createChannel();
      const found = new Map<string | undefined, Record<string, unknown>>();
      for (;;) {
        const message = await channel.get(h.topology.deadLetterQueue, { noAck: false });
        if (message === false) break;
        found.set(message.properties.messageId as string | undefined, message.properties.headers ?? {});
      }
      await channel.close();
      return found;
    } finally {
      await connection.close();
    }
  }

  const deadLetter = (id: string) => waitUntil(async () => (await deadLetters()).get(id), { description: `the dead letter of ${id}` });

  async function expectRefused(id: string, reason: RegExp): Promise<void> {
    const record = await h.waitForStatus(id, ['failed']);
    expect(record.error).toEqual({ code: 'invalid_signature', message: 'the message is unsigned or its signature does not match: it was not run' });
    const headers = await deadLetter(id);
    expect(headers['x-offload-reason']).toBe('invalid_signature');
    expect(String(headers['x-offload-error-detail'])).toMatch(reason);
    expect(script.calls(id)).toBe(0);
    const warning = await waitUntil(() => logLines.find((l) => l.task_id === id && l.level === 'warn'), { description: `the warning about ${id}` });
    expect(warning.msg).toBe('message with an invalid signature dead-lettered without running');
  }

  it('runs a message signed with the current key', async () => {
    const { id, body } = await newTask('ok');
    await publish(body, id, await current.sign(id, body));
    expect(await h.waitForStatus(id, ['succeeded'])).toMatchObject({ attempts: 1 });
  });

  it('runs a message signed with the previous key', async () => {
    const { id, body } = await newTask('ok');
    await publish(body, id, await previous.sign(id, body));
    await h.waitForStatus(id, ['succeeded']);
  });

  it('signs its retry copy (retry_count changed the body) with its own key, so the retry runs', async () => {
    const { id, body } = await newTask('transient:1');
    await publish(body, id, await previous.sign(id, body));
    expect(await h.waitForStatus(id, ['succeeded'])).toMatchObject({ attempts: 2 });
    expect(script.calls(id)).toBe(2);
  });

  it('dead-letters an unsigned message unrun and fails its record with invalid_signature', async () => {
    const { id, body } = await newTask('ok');
    await publish(body, id);
    await expectRefused(id, /no offload-signature header/);
  });

  it('dead-letters a message whose body was changed after signing', async () => {
    const { id, body } = await newTask('ok');
    const signature = await current.sign(id, body);
    await publish(Buffer.from(body.toString().replace('"text":"ok"', '"text":"ok!"')), id, signature);
    await expectRefused(id, /does not match the body and message id/);
  });

  it('dead-letters a signed message published under another message id', async () => {
    const signed = await newTask('ok');
    const other = await newTask('ok');
    await publish(signed.body, other.id, await current.sign(signed.id, signed.body));
    await expectRefused(other.id, /does not match the body and message id/);
    expect(script.calls(signed.id)).toBe(0);
  });

  it('dead-letters a message signed with a key it does not hold', async () => {
    const { id, body } = await newTask('ok');
    await publish(body, id, await stranger.sign(id, body));
    await expectRefused(id, new RegExp(`signed with a key not held here \\(key id ${stranger.keyId}\\)`));
  });

  it('dead-letters a key id it holds with a MAC of another key', async () => {
    const { id, body } = await newTask('ok');
    const forged = (await stranger.sign(id, body)).replace(stranger.keyId, current.keyId);
    await publish(body, id, forged);
    await expectRefused(id, /does not match/);
  });

  it('re-drives a signed dead letter signed anew, and leaves an unsigned one in the queue', async () => {
    const failed = await newTask('broken');
    await publish(failed.body, failed.id, await current.sign(failed.id, failed.body));
    await h.waitForStatus(failed.id, ['failed']);
    const unsigned = await newTask('ok');
    await publish(unsigned.body, unsigned.id);
    await h.waitForStatus(unsigned.id, ['failed']);
    await deadLetter(failed.id);
    await deadLetter(unsigned.id);

    script.repair();
    const signer = await createMessageSigner({ current: CURRENT, previous: PREVIOUS });
    const publisher = createPublisher({ manager: h.manager, topology: h.topology, logger: createLogger({ name: 'redrive-test', level: 'silent' }), sign: signer });
    const reader = await openDeadLetterQueue({ manager: h.manager, queue: h.topology.deadLetterQueue });
    try {
      await publisher.waitForReady();
      const { outcomes } = await redriveDeadLetters({ reader, publisher, records: h.storage.records, topology: h.topology, signer }, { kind: 'ids', ids: [failed.id, unsigned.id] });
      expect(outcomes).toEqual(
        expect.arrayContaining([
          { kind: 'redriven', id: failed.id, task_type: 'watermark', entry_kept: false },
          { kind: 'unsigned', id: unsigned.id, message: 'no offload-signature header' },
        ]),
      );
    } finally {
      await reader.close();
      await publisher.close();
    }
    expect(await h.waitForStatus(failed.id, ['succeeded'])).toMatchObject({ attempts: 1 });
    expect(script.calls(unsigned.id)).toBe(0);
    expect((await h.storage.records.get(unsigned.id))?.error?.code).toBe('invalid_signature');
    await deadLetter(unsigned.id);
  });

  it('has npm run dlq -- redrive, given the keys in its environment, sign what it re-drives and leave what does not verify', async () => {
    assertCliBuilt();
    const failed = await newTask('permanent');
    await publish(failed.body, failed.id, await previous.sign(failed.id, failed.body));
    await h.waitForStatus(failed.id, ['failed']);
    const forged = await newTask('ok');
    await publish(forged.body, forged.id, await stranger.sign(forged.id, forged.body));
    await h.waitForStatus(forged.id, ['failed']);
    await Promise.all([deadLetter(failed.id), deadLetter(forged.id)]);

    const { code, stdout } = await runDlq(h, ['redrive', '--id', failed.id, '--id', forged.id], { TASK_SIGNING_KEY: CURRENT, TASK_SIGNING_KEY_PREVIOUS: PREVIOUS });
    expect(code).toBe(1);
    expect(stdout).toMatch(new RegExp(`re-driven\\s+${failed.id}\\s+watermark`));
    expect(stdout).toMatch(new RegExp(`left\\s+${forged.id}\\s+not re-driven, invalid signature: signed with a key not held here \\(key id ${stranger.keyId}\\)`));
    // Signed anew (the worker ran it again, and it failed again on its own terms).
    await waitUntil(() => script.calls(failed.id) === 2, { description: 'the re-driven task to run again' });
    expect(await h.waitForStatus(failed.id, ['failed'])).toMatchObject({ error: { code: 'corrupt_image' } });
    expect(script.calls(forged.id)).toBe(0);
  });
});

describe('a worker without TASK_SIGNING_KEY', () => {
  const script = scriptedHandler();
  const warnings: string[] = [];
  let h: WorkerHarness;

  beforeAll(async () => {
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        warnings.push(chunk.toString());
        done();
      },
    });
    h = await createWorkerHarness({ handlers: { watermark: script.handler } });
    await h.startWorker({ logger: createLogger({ name: 'unsigned-worker-test', level: 'warn', destination }) });
  });
  afterAll(() => h.close());

  it('runs unsigned and signed messages alike, and says nothing about either', async () => {
    const unsigned = await h.submit(task('ok'));
    const signedId = randomUUID();
    const now = new Date().toISOString();
    const body = Buffer.from(encodeTaskPayload({ v: 1, id: signedId, task_type: 'watermark', content: task('ok').content, created_at: now, retry_count: 0 }));
    const signature = await (await createMessageSigner({ current: CURRENT })).sign(signedId, body);
    await h.publisher.publish({ exchange: h.topology.taskExchange, routingKey: 'watermark', body, messageId: signedId, type: 'watermark', headers: { [SIGNATURE_HEADER]: signature } });
    await h.waitForStatus(unsigned, ['succeeded']);
    await h.waitForStatus(signedId, ['succeeded']);
    expect(warnings).toEqual([]);
  });
});
