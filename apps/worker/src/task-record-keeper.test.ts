import { randomUUID } from 'node:crypto';
import type { TaskRecord } from '@offload/contracts';
import { newUploadKey, openStorage, type DbStorage } from '@offload/storage';
import { tempDataDir } from '@offload/test-support';
import { createTaskRecordKeeper, type TaskRecordKeeper } from './task-record-keeper';

const NOW = new Date('2030-01-01T00:05:00.000Z');
const CREATED = '2030-01-01T00:00:00.000Z';
const WORKER = 'host-a:4242';

describe('createTaskRecordKeeper', () => {
  let dir: Awaited<ReturnType<typeof tempDataDir>>;
  let storage: DbStorage;
  let keeper: TaskRecordKeeper;
  let id: string;

  beforeEach(async () => {
    dir = await tempDataDir('offload-keeper');
    storage = await openStorage({ dataDir: dir.path });
    keeper = createTaskRecordKeeper({ records: storage.records, maxLostRuns: 3, now: () => NOW });
    id = randomUUID();
  });
  afterEach(async () => {
    await storage.close();
    await dir.remove();
  });

  const task = () => ({ id, task_type: 'watermark' as const, created_at: CREATED });
  const seed = (record: Partial<TaskRecord>) =>
    storage.records.create({ id, task_type: 'watermark', status: 'queued', attempts: 0, created_at: CREATED, updated_at: CREATED, ...record });

  it('admits a task with no record, or a queued one, to run with others', async () => {
    await expect(keeper.admit(id)).resolves.toEqual({ kind: 'run', lostRuns: 0 });
    await seed({});
    await expect(keeper.admit(id)).resolves.toEqual({ kind: 'run', lostRuns: 0 });
  });

  it('admits a task whose last run was lost to run alone, and gives it up once it has lost the most runs allowed', async () => {
    await seed({ status: 'processing', attempts: 1, lost_runs: 1 });
    await expect(keeper.admit(id)).resolves.toEqual({ kind: 'run', lostRuns: 2 });
    await storage.records.update(id, (r) => ({ ...r, lost_runs: 2 }));
    await expect(keeper.admit(id)).resolves.toEqual({ kind: 'worker_lost', lostRuns: 3 });
  });

  it('creates the record of a task that arrived without one, then starts it', async () => {
    await expect(keeper.start(task())).resolves.toMatchObject({ kind: 'started', record: { status: 'processing', attempts: 1 } });
    expect(await storage.records.get(id)).toMatchObject({ status: 'processing', attempts: 1, created_at: CREATED, started_at: NOW.toISOString() });
  });

  it('links the uploads its content names to the record it creates', async () => {
    const image = newUploadKey();
    const logo = newUploadKey();

    await keeper.start({ ...task(), content: { image, watermark: { text: 'x', logo } } });

    const links = await storage.database.db.selectFrom('task_uploads').selectAll().orderBy('upload_key').execute();
    expect(links).toEqual([image, logo].sort().map((upload_key) => ({ task_id: id, upload_key })));
  });

  it('counts the lost run when it starts a task still processing', async () => {
    await seed({ status: 'processing', attempts: 1 });
    await keeper.start(task());
    expect(await storage.records.get(id)).toMatchObject({ attempts: 2, lost_runs: 1 });
  });

  it('names this worker on each run it starts and stores how each run ended', async () => {
    const named = createTaskRecordKeeper({ records: storage.records, maxLostRuns: 3, now: () => NOW, worker: WORKER });
    const at = NOW.toISOString();
    await seed({});
    await named.start(task());
    await named.retrying(id, 2_000, { code: 'handler_failed', message: 'boom' });
    await named.start(task());
    await named.released(id);
    await named.start(task());
    await named.succeeded(id, { output_key: 'o', content_type: 'text/plain' });

    expect((await storage.records.get(id))?.runs).toEqual([
      { attempt: 1, started_at: at, worker: WORKER, ended_at: at, outcome: 'retrying', error: { code: 'handler_failed', message: 'boom' }, retry_delay_ms: 2_000 },
      { attempt: 2, started_at: at, worker: WORKER, ended_at: at, outcome: 'released' },
      { attempt: 3, started_at: at, worker: WORKER, ended_at: at, outcome: 'succeeded' },
    ]);
  });

  it('closes the run of a dead worker as lost when it starts the task again, and names no worker without one', async () => {
    await seed({ status: 'processing', attempts: 1, started_at: CREATED, runs: [{ attempt: 1, started_at: CREATED, worker: 'host-b:1' }] });
    await keeper.start(task());
    expect((await storage.records.get(id))?.runs).toEqual([
      { attempt: 1, started_at: CREATED, worker: 'host-b:1', ended_at: NOW.toISOString(), outcome: 'lost' },
      { attempt: 2, started_at: NOW.toISOString() },
    ]);
  });

  it('closes the open run as failed, or cancelled when a client cancelled it', async () => {
    const corrupt = { code: 'corrupt_image', message: 'x' } as const;
    await keeper.start(task());
    await keeper.failed(id, corrupt);
    expect((await storage.records.get(id))?.runs?.map((r) => [r.outcome, r.error])).toEqual([['failed', corrupt]]);

    const other = randomUUID();
    await keeper.start({ ...task(), id: other });
    await storage.records.update(other, (r) => ({ ...r, cancel_requested_at: CREATED }));
    await keeper.runCancelled(other);
    expect((await storage.records.get(other))?.runs?.map((r) => r.outcome)).toEqual(['cancelled']);
  });

  it.each([
    [{ status: 'succeeded', result: { output_key: 'o', content_type: 'text/plain' } }, 'record is succeeded'],
    [{ status: 'failed', error: { code: 'corrupt_image', message: 'x' } }, 'record is failed'],
    [{ status: 'failed', error: { code: 'not_accepted', message: 'x' } }, 'not_accepted'],
    [{ status: 'cancelled', finished_at: CREATED }, 'record is cancelled'],
  ] as const)('skips a task whose record is final (%o)', async (record, reason) => {
    await seed(record);
    await expect(keeper.start(task())).resolves.toMatchObject({ kind: 'skipped', reason, record: { status: record.status } });
  });

  it('ends cancelled, unrun, a task cancelled while a worker that died was running it', async () => {
    await seed({ status: 'processing', attempts: 1, cancel_requested_at: CREATED });
    await expect(keeper.start(task())).resolves.toMatchObject({ kind: 'skipped', reason: 'record is cancelled' });
    expect(await storage.records.get(id)).toMatchObject({ status: 'cancelled', attempts: 1 });
  });

  it('runs a scheduled task whose message arrived before its record moved to queued', async () => {
    await seed({ status: 'scheduled', run_at: CREATED });
    await expect(keeper.start(task())).resolves.toMatchObject({ kind: 'started', record: { status: 'processing', attempts: 1 } });
  });

  it('leaves a record re-driven after the dead letter was made, and fails one queued before it', async () => {
    await seed({ updated_at: NOW.toISOString() });
    await expect(keeper.deadLettered(id, { code: 'corrupt_image', message: 'x' }, new Date(CREATED))).resolves.toBeUndefined();
    await expect(keeper.deadLettered(id, { code: 'corrupt_image', message: 'x' }, NOW)).resolves.toMatchObject({ status: 'failed' });
    expect((await storage.records.get(id))?.status).toBe('failed');
  });

  it('moves a running task through progress and success', async () => {
    await keeper.start(task());
    await keeper.progress(id, 2);
    expect((await storage.records.get(id))?.progress).toBe(1);
    await keeper.succeeded(id, { output_key: 'o', content_type: 'text/plain' });
    expect(await storage.records.get(id)).toMatchObject({ status: 'succeeded', finished_at: NOW.toISOString() });
  });
});
