import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { TaskRecord, TaskStatus } from '@offload/contracts';
import type { RecordStore } from '../src/storage';

/**
 * What every RecordStore promises, run against each implementation: create-once, transitions
 * enforced from the stored record, no lost update under concurrency, path-safe ids.
 */

export function newRecord(overrides: Partial<TaskRecord> = {}): TaskRecord {
  const now = new Date().toISOString();
  return {
    id: randomUUID(),
    task_type: 'watermark',
    status: 'queued',
    attempts: 0,
    created_at: now,
    updated_at: now,
    ...overrides,
  };
}

export interface StoreUnderTest {
  records: RecordStore;
  dispose(): Promise<void>;
}

export function describeRecordStore(name: string, open: () => Promise<StoreUnderTest>): void {
  describe(`${name} (RecordStore contract)`, () => {
    let store: StoreUnderTest;
    let records: RecordStore;

    beforeEach(async () => {
      store = await open();
      records = store.records;
    });

    afterEach(async () => {
      await store.dispose();
    });

    it('reads a created record back', async () => {
      const record = newRecord();

      await expect(records.create(record)).resolves.toBe(true);

      expect(await records.get(record.id)).toEqual(record);
    });

    it('returns undefined when no record has the id', async () => {
      await expect(records.get(randomUUID())).resolves.toBeUndefined();
    });

    it('returns false and keeps the first record when the id exists', async () => {
      const first = newRecord();
      await records.create(first);

      await expect(records.create({ ...first, attempts: 7 })).resolves.toBe(false);

      expect(await records.get(first.id)).toEqual(first);
    });

    it('lets exactly one of many racing creates win when they share an id', async () => {
      const id = randomUUID();
      const candidates = Array.from({ length: 20 }, (_, attempts) => newRecord({ id, attempts }));

      const results = await Promise.all(candidates.map((record) => records.create(record)));

      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await records.get(id)).toEqual(candidates[results.indexOf(true)]);
    });

    it('rejects an invalid record when created', async () => {
      const record = { ...newRecord(), attempts: -1 };
      await expect(records.create(record)).rejects.toThrow();
      await expect(records.get(record.id)).resolves.toBeUndefined();
    });

    const uuid = '7f0c2a4e-5b1d-4c3e-9a8f-0123456789ab';
    it.each(['../etc/passwd', 'not-a-uuid', `${uuid}/../x`, `/tmp/${uuid}`, `${uuid}\0`, `${uuid.toUpperCase()}.json`, `${uuid}*`])(
      'rejects the id %j with a RangeError',
      async (id) => {
        await expect(records.get(id)).rejects.toThrow(RangeError);
        await expect(records.update(id, (r) => r)).rejects.toThrow(RangeError);
        await expect(records.create({ ...newRecord(), id })).rejects.toThrow();
      },
    );

    it.each<[TaskStatus, TaskStatus]>([
      ['queued', 'processing'],
      ['processing', 'processing'],
      ['processing', 'succeeded'],
      ['retrying', 'processing'],
      ['failed', 'queued'],
    ])('applies %s → %s and returns the new record', async (from, to) => {
      const record = newRecord({ status: from });
      await records.create(record);

      const outcome = await records.update(record.id, (r) => ({ ...r, status: to, attempts: r.attempts + 1 }));

      expect(outcome).toEqual({ applied: true, record: { ...record, status: to, attempts: 1 } });
      expect(await records.get(record.id)).toEqual(outcome.record);
    });

    it.each<[TaskStatus, TaskStatus]>([
      ['succeeded', 'processing'],
      ['succeeded', 'failed'],
      ['failed', 'processing'],
      ['queued', 'succeeded'],
    ])('refuses %s → %s and leaves the record as it was', async (from, to) => {
      const record = newRecord({ status: from });
      await records.create(record);

      const outcome = await records.update(record.id, (r) => ({ ...r, status: to }));

      expect(outcome).toEqual({ applied: false, reason: 'transition_not_allowed', record });
      expect(await records.get(record.id)).toEqual(record);
    });

    it.each<[string, Partial<TaskRecord>]>([
      ['id', { id: '00000000-0000-4000-8000-000000000000' }],
      ['task_type', { task_type: 'analysis' }],
      ['created_at', { created_at: '2000-01-01T00:00:00.000Z' }],
    ])('refuses a change to %s', async (_, change) => {
      const record = newRecord();
      await records.create(record);

      const outcome = await records.update(record.id, (r) => ({ ...r, status: 'processing', ...change }));

      expect(outcome).toEqual({ applied: false, reason: 'transition_not_allowed', record });
      expect(await records.get(record.id)).toEqual(record);
    });

    it('judges the move from the stored record when the update function mutates its argument', async () => {
      const record = newRecord({ status: 'queued' });
      await records.create(record);

      const outcome = await records.update(record.id, (r) => {
        r.status = 'succeeded';
        return r;
      });

      expect(outcome).toMatchObject({ applied: false, reason: 'transition_not_allowed', record });
    });

    it('reports not_found when no record has the id', async () => {
      const outcome = await records.update(randomUUID(), (r) => r);
      expect(outcome).toEqual({ applied: false, reason: 'not_found', record: undefined });
    });

    it('reports unchanged when the update function returns undefined', async () => {
      const record = newRecord();
      await records.create(record);

      await expect(records.update(record.id, () => undefined)).resolves.toEqual({
        applied: false,
        reason: 'unchanged',
        record,
      });
    });

    it('rejects, keeps the record and frees the lock when the update function throws', async () => {
      const record = newRecord();
      await records.create(record);

      await expect(
        records.update(record.id, () => {
          throw new Error('update failed');
        }),
      ).rejects.toThrow('update failed');
      await expect(records.update(record.id, (r) => ({ ...r, attempts: -1 }))).rejects.toThrow();

      const outcome = await records.update(record.id, (r) => ({ ...r, status: 'processing' }));
      expect(outcome.applied).toBe(true);
    });

    it('never loses an increment when many updates run at once', async () => {
      const record = newRecord({ status: 'processing' });
      await records.create(record);

      const outcomes = await Promise.all(
        Array.from({ length: 50 }, () => records.update(record.id, (r) => ({ ...r, attempts: r.attempts + 1 }))),
      );

      expect(outcomes.every((o) => o.applied)).toBe(true);
      expect((await records.get(record.id))?.attempts).toBe(50);
    });
  });
}
