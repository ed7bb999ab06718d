import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { taskRecordSchema, type TaskRecord } from '@offload/contracts';
import { connectEventStream, waitUntil, type EventStreamClient } from '@offload/test-support';
import { createHttpServer } from '../src/http-server';
import { createApiHarness, type ApiHarness } from './harness';

describe('GET /v1/tasks/:id/events', () => {
  let harness: ApiHarness;
  let server: Server;
  let base: string;
  let acme: string;
  let globex: string;
  const open: EventStreamClient[] = [];

  beforeAll(async () => {
    harness = await createApiHarness({ auth: 'keys', events: { pollMs: 20, maxStreams: 3, heartbeatMs: 1_500 } });
    acme = await harness.createKey({ tenant: 'acme', scopes: ['tasks:read'] });
    globex = await harness.createKey({ tenant: 'globex', scopes: ['tasks:read'] });
    // Short request bounds: a stream must outlive them (see routes/task-events.ts).
    server = createHttpServer(harness.app, { requestTimeoutMs: 1_000, idleTimeoutMs: 500 }, harness.logger);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    for (const client of open) client.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await harness.close();
  });

  async function connect(id: string, key = acme, headers: Record<string, string> = {}, query = ''): Promise<EventStreamClient> {
    const client = await connectEventStream(`${base}/v1/tasks/${id}/events${query}`, { Authorization: `Bearer ${key}`, ...headers });
    open.push(client);
    return client;
  }

  async function newTask(tenant = 'acme'): Promise<string> {
    const at = new Date().toISOString();
    const record: TaskRecord = { id: randomUUID(), task_type: 'analysis', tenant, status: 'queued', attempts: 0, created_at: at, updated_at: at };
    await harness.storage.records.create(record);
    return record.id;
  }

  async function move(id: string, change: Partial<TaskRecord>): Promise<number> {
    const outcome = await harness.storage.records.update(id, (r) => ({ ...r, ...change, updated_at: new Date().toISOString() }));
    expect(outcome.applied).toBe(true);
    const now = await harness.storage.queries.recordVersion(id);
    return now?.version ?? -1;
  }

  const recordOf = (data: string) => taskRecordSchema.parse(JSON.parse(data));

  it('sends the record at each new version, then ends after the terminal status', async () => {
    const id = await newTask();
    const client = await connect(id);
    expect(client.status).toBe(200);
    expect(client.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(client.headers.get('x-accel-buffering')).toBe('no');
    expect(client.headers.get('content-encoding')).toBeNull();
    const first = await client.next();
    expect(first).toEqual({ id: '1', event: 'task', data: expect.any(String) });
    expect(recordOf(first?.data ?? '')).toStrictEqual(await harness.storage.records.get(id));
    expect(client.retryMs).toBeGreaterThan(0);

    const processing = await move(id, { status: 'processing', attempts: 1 });
    const second = await client.next();
    expect([second?.id, recordOf(second?.data ?? '').status]).toEqual([String(processing), 'processing']);
    const halfway = await move(id, { progress: 0.5 });
    const third = await client.next();
    expect([third?.id, recordOf(third?.data ?? '').progress]).toEqual([String(halfway), 0.5]);
    const done = await move(id, { status: 'succeeded', progress: 1, finished_at: new Date().toISOString() });
    const rest = await client.rest();
    expect(rest.map((e) => [e.id, recordOf(e.data).status])).toEqual([[String(done), 'succeeded']]);
  });

  it('outlives the request timeout while the task runs', async () => {
    const id = await newTask();
    const client = await connect(id);
    await client.next();
    // Longer than requestTimeoutMs and idleTimeoutMs together, with nothing new to send.
    await expect(client.next(2_000)).rejects.toThrow('no event');
    await move(id, { status: 'cancelled', finished_at: new Date().toISOString() });
    expect((await client.rest()).map((e) => recordOf(e.data).status)).toEqual(['cancelled']);
  });

  it('keeps a quiet stream alive with comment lines', async () => {
    const id = await newTask();
    const client = await connect(id);
    await client.next();
    await waitUntil(
      async () => {
        // Reading is what takes the comments in; no event comes meanwhile.
        await client.next(200).catch(() => undefined);
        return client.comments.includes('keep-alive');
      },
      { timeoutMs: 10_000, description: 'a keep-alive comment' },
    );
    client.close();
  });

  it('resumes after Last-Event-ID without repeats, and sends the current record at once when it is newer', async () => {
    const id = await newTask();
    const v2 = await move(id, { status: 'processing', attempts: 1 });
    const v3 = await move(id, { progress: 0.25 });
    const resumed = await connect(id, acme, { 'Last-Event-ID': String(v2) });
    const first = await resumed.next();
    expect([first?.id, recordOf(first?.data ?? '').progress]).toEqual([String(v3), 0.25]);
    resumed.close();

    // Already at the newest version: nothing until the next change.
    const current = await connect(id, acme, {}, `?last_event_id=${v3}`);
    const v4 = await move(id, { status: 'failed', error: { code: 'handler_failed', message: 'boom' }, finished_at: new Date().toISOString() });
    expect((await current.rest()).map((e) => e.id)).toEqual([String(v4)]);
  });

  it('sends a finished task as one event and ends; a client that has it gets 204', async () => {
    const id = await newTask();
    const final = await move(id, { status: 'cancelled', finished_at: new Date().toISOString() });
    const late = await connect(id);
    expect((await late.rest()).map((e) => [e.id, recordOf(e.data).status])).toEqual([[String(final), 'cancelled']]);
    const caughtUp = await connect(id, acme, { 'Last-Event-ID': String(final) });
    expect(caughtUp.status).toBe(204);
  });

  it("answers another tenant's task, or an unknown one, with 404", async () => {
    const id = await newTask();
    for (const [task, key] of [[id, globex], [randomUUID(), acme], ['not-a-uuid', acme]] as const) {
      const client = await connect(task, key);
      expect([client.status, client.headers.get('content-type')]).toEqual([404, 'application/problem+json; charset=utf-8']);
      expect(JSON.parse(await client.text())).toMatchObject({ status: 404, code: 'not_found' });
    }
  });

  it.each([['abc'], ['-1'], ['1.5'], ['1e3'], ['99999999999999999999']])('refuses Last-Event-ID %s with 400', async (value) => {
    const id = await newTask();
    for (const client of [await connect(id, acme, { 'Last-Event-ID': value }), await connect(id, acme, {}, `?last_event_id=${encodeURIComponent(value)}`)]) {
      expect(client.status).toBe(400);
      expect(JSON.parse(await client.text())).toMatchObject({ status: 400, code: 'malformed_request' });
    }
  });

  it('answers 503 with Retry-After above the stream cap, and frees a slot when a client leaves', async () => {
    const id = await newTask();
    const clients = [await connect(id), await connect(id), await connect(id)];
    await Promise.all(clients.map((c) => c.next()));
    const refused = await connect(id);
    expect([refused.status, refused.headers.get('retry-after')]).toEqual([503, expect.stringMatching(/^\d+$/)]);
    expect(JSON.parse(await refused.text())).toMatchObject({ code: 'too_many_streams' });
    clients[0]?.close();
    const admitted = await waitForStatus(id, 200);
    expect((await admitted.next())?.id).toBe('1');
    // Every watcher of the task sees the same change.
    const final = await move(id, { status: 'cancelled', finished_at: new Date().toISOString() });
    for (const client of [clients[1], clients[2], admitted]) expect((await client?.rest())?.map((e) => e.id)).toEqual([String(final)]);
  });

  async function waitForStatus(id: string, status: number): Promise<EventStreamClient> {
    const deadline = Date.now() + 5_000;
    for (;;) {
      const client = await connect(id);
      if (client.status === status) return client;
      client.close();
      if (Date.now() > deadline) throw new Error(`no ${status} within 5 s`);
    }
  }
});
