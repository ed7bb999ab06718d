import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TaskRecord } from '@offload/contracts';
import { openStorage, type Storage } from '@offload/storage';
import { tempDataDir } from '@offload/test-support';
import type { Submission } from './api-client';
import { checkHistory } from './checker';
import { faultOutput, outputKeyOf, sha256 } from './fault-output';

describe('checkHistory', () => {
  let dir: { path: string; remove: () => Promise<void> };
  let storage: Storage;

  beforeEach(async () => {
    dir = await tempDataDir('offload-checker');
    storage = await openStorage({ dataDir: dir.path });
  });
  afterEach(async () => {
    await storage.close();
    await dir.remove();
  });

  async function task(status: TaskRecord['status'], extra: Partial<TaskRecord> = {}): Promise<string> {
    const id = randomUUID();
    const at = new Date().toISOString();
    await storage.records.create({ id, task_type: 'watermark', status: 'queued', attempts: 0, created_at: at, updated_at: at });
    if (status !== 'queued') {
      await storage.records.update(id, (r) => ({ ...r, status: 'processing', attempts: 1 }));
      await storage.records.update(id, (r) => ({ ...r, status, ...extra }));
    }
    return id;
  }

  async function executed(id: string, pid: number, output = faultOutput(id, 'work:1')): Promise<void> {
    await storage.blobs.put(outputKeyOf(id), output);
    await writeFile(join(dir.path, `starts-${pid}.log`), `${id}\n`, { flag: 'a' });
    await writeFile(join(dir.path, `executions-${pid}.log`), `${id} ${sha256(output)}\n`, { flag: 'a' });
  }

  async function refused(id: string): Promise<Submission> {
    const key = randomUUID();
    const at = new Date();
    const entry = { fingerprint: 'f', task_id: id, created_at: at.toISOString(), expires_at: new Date(at.getTime() + 60_000).toISOString() };
    await storage.idempotency.exclusive(key, async () => ({ value: undefined, store: entry }));
    return { outcome: 'not_accepted', idempotencyKey: key };
  }

  const accepted = (id: string): Submission => ({ outcome: 'accepted', idempotencyKey: randomUUID(), id });

  it('classifies each accepted, refused and unnamed task', async () => {
    const ok = await task('succeeded');
    await executed(ok, 1);
    const reexecuted = await task('succeeded');
    await executed(reexecuted, 1);
    await executed(reexecuted, 2);
    const duplicated = await task('succeeded');
    await executed(duplicated, 1);
    await executed(duplicated, 2, Buffer.from('something else'));
    const noOutput = await task('succeeded');
    const disowned = await task('failed', { error: { code: 'not_accepted', message: 'no confirm' } });
    const workerLost = await task('failed', { error: { code: 'worker_lost', message: 'crashes' } });
    const stuck = await task('processing');
    const missing = randomUUID();
    const unnamed = await task('queued');
    const cleanRefusal = await task('failed', { error: { code: 'not_accepted', message: 'no confirm' } });
    const ranAnyway = await task('failed', { error: { code: 'not_accepted', message: 'no confirm' } });
    await writeFile(join(dir.path, 'starts-3.log'), `${ranAnyway}\n`);

    const history = [ok, reexecuted, duplicated, noOutput, disowned, workerLost, stuck, missing].map(accepted);
    history.push(await refused(cleanRefusal), await refused(ranAnyway), { outcome: 'indeterminate', idempotencyKey: randomUUID(), detail: 'reset' });
    const result = await checkHistory(history, { dataDir: dir.path, deadlineMs: 50 });

    expect(result).toMatchObject({ submitted: 11, accepted: 8, notAccepted: 2, indeterminate: 1, succeeded: 2, failed: { worker_lost: 1 }, reexecuted: 2 });
    expect(result.lost.sort()).toEqual([noOutput, disowned, missing].sort());
    expect(result.stuck).toEqual([stuck]);
    expect(result.duplicated.sort()).toEqual([duplicated].sort());
    expect(result.unexpected).toEqual([unnamed]);
    expect(result.notAcceptedViolations).toEqual([ranAnyway]);
  });
});
