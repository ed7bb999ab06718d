import { randomUUID } from 'node:crypto';
import { verifyWebhook, type TaskRecord } from '@offload/contracts';
import { createLogger } from '@offload/telemetry';
import { waitUntil } from '@offload/test-support';
import { parseCallbackAllow, type CallbackAllow } from '../src/callbacks/callback-allow';
import { createCallbackAnnouncer, type AnnounceCallback } from '@offload/broker';
import { createWorkerHarness, type WorkerHarness } from './harness';
import { scriptedHandler } from './scripted-handler';
import { startWebhookReceiver, type WebhookReceiver } from './webhook-receiver';

const RETRY_FOR_MS = 60_000;

function allowOf(value: string): CallbackAllow {
  const parsed = parseCallbackAllow(value);
  if (!parsed.ok) throw new Error(parsed.problems.join('; '));
  return parsed.allow;
}

/** A finished task with a pending webhook, as the worker leaves it; finished `finishedAgoMs` ago. */
async function finishedTask(h: WorkerHarness, url: string, options: { tenant?: string; finishedAgoMs?: number } = {}): Promise<string> {
  const id = randomUUID();
  const finished = new Date(Date.now() - (options.finishedAgoMs ?? 0)).toISOString();
  await h.storage.records.create({
    id,
    task_type: 'watermark',
    tenant: options.tenant ?? 'default',
    status: 'succeeded',
    attempts: 1,
    created_at: finished,
    updated_at: finished,
    finished_at: finished,
    result: { output_key: `out_${id}.png`, content_type: 'image/png' },
    callback: { url, state: 'pending', attempts: [] },
  });
  return id;
}

async function recordOf(h: WorkerHarness, id: string): Promise<TaskRecord> {
  const record = await h.storage.records.get(id);
  if (record === undefined) throw new Error(`no record ${id}`);
  return record;
}

function settled(h: WorkerHarness, id: string): Promise<TaskRecord> {
  return waitUntil(
    async () => {
      const record = await h.storage.records.get(id);
      return record?.callback !== undefined && record.callback.state !== 'pending' ? record : undefined;
    },
    { timeoutMs: 30_000, description: `the webhook of ${id} to settle` },
  );
}

const logger = createLogger({ name: 'callbacks-test', level: 'silent' });

describe('webhooks with CALLBACK_ALLOW=127.0.0.1', () => {
  let h: WorkerHarness;
  let receiver: WebhookReceiver;
  let announce: AnnounceCallback;

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    h = await createWorkerHarness({ handlers: { watermark: scriptedHandler().handler }, callbacks: { allow: allowOf('127.0.0.1'), timeoutMs: 5_000, retryForMs: RETRY_FOR_MS } });
    await h.startWorker();
    announce = createCallbackAnnouncer({ publisher: h.publisher, topology: h.topology, logger });
  });
  afterAll(async () => {
    await h.close();
    await receiver.close();
  });

  it('retries a receiver answering 500 twice, then records it delivered, signed with the same webhook-id', async () => {
    receiver.script('/flaky', [{ status: 500 }, { status: 500 }, { status: 200 }]);
    const id = await finishedTask(h, `${receiver.origin}/flaky`, { tenant: 'acme' });
    await announce(await recordOf(h, id));

    const done = await settled(h, id);
    expect(done.callback?.state).toBe('delivered');
    expect(done.callback?.attempts.map((a) => a.status_code)).toEqual([500, 500, 200]);
    expect(done.callback?.attempts[0]?.error).toBe('the receiver answered 500');
    expect(done.callback?.attempts[2]?.error).toBeUndefined();

    const received = receiver.received('/flaky');
    expect(received).toHaveLength(3);
    const secret = await h.storage.webhookSecrets.secretFor('acme');
    for (const webhook of received) {
      expect(webhook.headers['webhook-id']).toBe(id);
      expect(webhook.headers['content-type']).toBe('application/json');
      const verified = await verifyWebhook({ secret, body: webhook.body, headers: webhook.headers, nowS: Math.floor(Date.now() / 1000) });
      expect(verified).toEqual({ ok: true });
      expect(JSON.parse(webhook.body)).toMatchObject({ id, status: 'succeeded', tenant: 'acme' });
    }
    // Another tenant's secret does not verify it.
    const other = await h.storage.webhookSecrets.secretFor('default');
    const first = received[0];
    if (first === undefined) throw new Error('nothing received');
    await expect(verifyWebhook({ secret: other, body: first.body, headers: first.headers, nowS: Math.floor(Date.now() / 1000) })).resolves.toEqual({ ok: false, reason: 'mismatch' });
  });

  it('does not follow a redirect to loopback: the 3xx is a failed attempt', async () => {
    receiver.script('/redirect', [{ status: 302, location: `http://localhost:${receiver.port}/target` }]);
    receiver.script('/target', [{ status: 200 }]);
    const id = await finishedTask(h, `${receiver.origin}/redirect`, { finishedAgoMs: 2 * RETRY_FOR_MS });
    await announce(await recordOf(h, id));

    const done = await settled(h, id);
    expect(done.callback?.state).toBe('failed');
    expect(done.callback?.attempts).toEqual([{ at: expect.any(String) as unknown, status_code: 302, error: 'the receiver answered 302: redirects are not followed' }]);
    expect(receiver.received('/target')).toHaveLength(0);
  });

  it('ends failed once the retry window since the task finished has ended', async () => {
    receiver.script('/down', [{ status: 503 }]);
    // The window ends a second from now: the attempts in it are retried, the first after it is the last.
    const id = await finishedTask(h, `${receiver.origin}/down`, { finishedAgoMs: RETRY_FOR_MS - 1_000 });
    await announce(await recordOf(h, id));

    const done = await settled(h, id);
    expect(done.callback?.state).toBe('failed');
    const codes = done.callback?.attempts.map((a) => a.status_code) ?? [];
    expect(codes.length).toBeGreaterThanOrEqual(1);
    expect(new Set(codes)).toEqual(new Set([503]));
    expect(receiver.received('/down')).toHaveLength(codes.length);
  });

  it('announces nothing for a record without a pending webhook', async () => {
    const id = await finishedTask(h, `${receiver.origin}/never`);
    const record = await recordOf(h, id);
    await announce({ ...record, callback: undefined });
    await announce({ ...record, status: 'processing' });
    const { callback: _none, ...withoutCallback } = record;
    await announce(withoutCallback);
    // A later announcement of another task is delivered: the earlier ones were never queued.
    receiver.script('/later', [{ status: 204 }]);
    const later = await finishedTask(h, `${receiver.origin}/later`);
    await announce(await recordOf(h, later));
    expect((await settled(h, later)).callback?.state).toBe('delivered');
    expect(receiver.received('/never')).toHaveLength(0);
  });
});

describe('webhooks without CALLBACK_ALLOW', () => {
  let h: WorkerHarness;
  let receiver: WebhookReceiver;
  let announce: AnnounceCallback;

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    receiver.script('/hook', [{ status: 200 }]);
    h = await createWorkerHarness({ handlers: { watermark: scriptedHandler().handler } });
    await h.startWorker();
    announce = createCallbackAnnouncer({ publisher: h.publisher, topology: h.topology, logger });
  });
  afterAll(async () => {
    await h.close();
    await receiver.close();
  });

  it.each([
    ['a name resolving to loopback', (port: number) => `https://localhost:${port}/hook`, /^refused: localhost resolves to (127\.0\.0\.1|::1), a loopback address, which CALLBACK_ALLOW does not name$/],
    ['the cloud metadata address', () => 'https://169.254.169.254/latest/meta-data/', /^refused: 169\.254\.169\.254 resolves to 169\.254\.169\.254, a link-local address/],
    ['a mapped IPv6 loopback', (port: number) => `https://[::ffff:127.0.0.1]:${port}/hook`, /a loopback address/],
    ['http to a host not allowed', (port: number) => `http://127.0.0.1:${port}/hook`, /^refused: http:\/\/ only to hosts CALLBACK_ALLOW names/],
  ])('refuses %s and records a failed attempt', async (_name, url, error) => {
    // Finished long ago: the one attempt settles the webhook.
    const id = await finishedTask(h, url(receiver.port), { finishedAgoMs: 25 * 60 * 60 * 1000 });
    await announce(await recordOf(h, id));
    const done = await settled(h, id);
    expect(done.callback?.state).toBe('failed');
    expect(done.callback?.attempts).toHaveLength(1);
    expect(done.callback?.attempts[0]?.status_code).toBeUndefined();
    expect(done.callback?.attempts[0]?.error).toMatch(error);
    expect(receiver.received('/hook')).toHaveLength(0);
  });
});
