import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { taskRecordSchema, type TaskRecord } from '@offload/contracts';
import { openStorage } from '@offload/storage';
import { TEST_AMQP_URL, connectEventStream, deleteTestTopology, tempDataDir, uniquePrefix, writeSampleCsv, type EventStreamClient, type ServerSentEvent } from '@offload/test-support';
import { API_ENTRY, WORKER_ENTRY, freePort, startNode, waitForHttp, type RunningProcess } from './processes';

/** Rows of the dataset: enough for the analysis to run a while after it started. */
const ROWS = 400_000;

describe('task events (SSE) across an API and a worker process', () => {
  const prefix = uniquePrefix();
  let dataDir: { path: string; remove: () => Promise<void> };
  let api: RunningProcess;
  let worker: RunningProcess | undefined;
  let base: string;
  let env: Record<string, string>;
  let acme: string;
  let globex: string;
  const open: EventStreamClient[] = [];

  beforeAll(async () => {
    dataDir = await tempDataDir('offload-e2e-events');
    // Keys of two tenants, written where the API will read them (SQLite in DATA_DIR).
    const storage = await openStorage({ dataDir: dataDir.path });
    acme = (await storage.keys.create({ name: 'acme', tenant: 'acme', scopes: ['tasks:write', 'tasks:read'] })).secret;
    globex = (await storage.keys.create({ name: 'globex', tenant: 'globex', scopes: ['tasks:read'] })).secret;
    await storage.close();
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    env = { AMQP_URL: TEST_AMQP_URL, QUEUE_PREFIX: prefix, DATA_DIR: dataDir.path, LOG_LEVEL: 'warn' };
    api = startNode(API_ENTRY, { ...env, PORT: String(port), HOST: '127.0.0.1', AUTH: 'on', EVENTS_POLL_MS: '20' });
    await waitForHttp(`${base}/readyz`);
  });

  afterAll(async () => {
    for (const client of open) client.close();
    await worker?.stop();
    await api.stop();
    await deleteTestTopology(prefix);
    await dataDir.remove();
  });

  async function events(id: string, key: string, headers: Record<string, string> = {}): Promise<EventStreamClient> {
    const client = await connectEventStream(`${base}/v1/tasks/${id}/events`, { Authorization: `Bearer ${key}`, ...headers });
    open.push(client);
    return client;
  }

  const recordOf = (event: ServerSentEvent | undefined): TaskRecord => taskRecordSchema.parse(JSON.parse(event?.data ?? 'null'));
  const versionOf = (event: ServerSentEvent | undefined): number => Number(event?.id);

  it('follows a running task through a reconnect without repeats, to its final event', async () => {
    const csv = join(dataDir.path, 'events.csv');
    await writeSampleCsv(csv, ROWS, { seed: 7, notes: 'random' });
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(await readFile(csv))], { type: 'text/csv' }), 'events.csv');
    const accepted = await fetch(`${base}/v1/datasets`, { method: 'POST', body: form, headers: { Authorization: `Bearer ${acme}` } });
    expect(accepted.status).toBe(202);
    const { id } = (await accepted.json()) as { id: string };

    // No worker yet: the first event is the queued record.
    const first = await events(id, acme);
    expect(first.status).toBe(200);
    const seen: ServerSentEvent[] = [];
    const queued = await first.next();
    expect(recordOf(queued).status).toBe('queued');
    seen.push(queued as ServerSentEvent);

    worker = startNode(WORKER_ENTRY, { ...env, WORKER_HTTP_PORT: '0', WORKER_TASK_TYPES: 'analysis' });
    // Read until the worker has taken it, then go away mid-task.
    for (;;) {
      const event = await first.next(60_000);
      expect(event).toBeDefined();
      seen.push(event as ServerSentEvent);
      if (recordOf(event).status !== 'queued') break;
    }
    expect(recordOf(seen.at(-1)).status).toBe('processing');
    first.close();

    const second = await events(id, acme, { 'Last-Event-ID': String(versionOf(seen.at(-1))) });
    const rest = await second.rest(120_000);
    expect(rest.length).toBeGreaterThan(0);
    seen.push(...rest);
    const versions = seen.map(versionOf);
    // No repeats, in order, one final event at the end.
    expect(versions).toEqual([...new Set(versions)].sort((a, b) => a - b));
    expect(seen.map((e) => recordOf(e).status).filter((s) => s === 'succeeded' || s === 'failed' || s === 'cancelled')).toEqual(['succeeded']);
    expect(recordOf(seen.at(-1))).toMatchObject({ id, status: 'succeeded', progress: 1 });

    // After the end: the final record at once, then the end; a client that has it gets 204.
    const late = await events(id, acme);
    expect((await late.rest()).map((e) => [versionOf(e), recordOf(e).status])).toEqual([[versionOf(seen.at(-1)), 'succeeded']]);
    expect((await events(id, acme, { 'Last-Event-ID': String(versionOf(seen.at(-1))) })).status).toBe(204);

    // Another tenant's task is as unknown as a made-up id; a bad Last-Event-ID is a 400.
    const foreign = await events(id, globex);
    expect([foreign.status, JSON.parse(await foreign.text())]).toEqual([404, expect.objectContaining({ code: 'not_found' })]);
    const malformed = await events(id, acme, { 'Last-Event-ID': 'yesterday' });
    expect([malformed.status, malformed.headers.get('content-type'), JSON.parse(await malformed.text())]).toEqual([
      400,
      'application/problem+json; charset=utf-8',
      expect.objectContaining({ code: 'malformed_request' }),
    ]);
  }, 180_000);
});
