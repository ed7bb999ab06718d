import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { TEST_REDIS_URL, deleteRedisKeys, uniquePrefix } from '@offload/test-support';
import { describeRecordStore, newRecord } from '../test/record-store-contract';
import { openRedisRecordStore, RecordStoreUnreachableError, type RedisRecordStore } from './redis-record-store';

describeRecordStore('openRedisRecordStore', async () => {
  const keyPrefix = `${uniquePrefix()}:`;
  const records = await openRedisRecordStore({ url: TEST_REDIS_URL, keyPrefix });
  return {
    records,
    async dispose() {
      await records.close();
      await deleteRedisKeys(keyPrefix);
    },
  };
});

describe('openRedisRecordStore', () => {
  const keyPrefix = `${uniquePrefix()}:`;
  let redis: Redis;
  let records: RedisRecordStore;

  beforeAll(async () => {
    redis = new Redis(TEST_REDIS_URL);
    records = await openRedisRecordStore({ url: TEST_REDIS_URL, keyPrefix, finishedTtlSeconds: 3600 });
  });

  afterAll(async () => {
    await records.close();
    await redis.quit();
    await deleteRedisKeys(keyPrefix);
  });

  it('keeps a live record for ever and gives a finished one the configured TTL', async () => {
    const record = newRecord({ status: 'processing' });
    await records.create(record);
    expect(await redis.ttl(`${keyPrefix}${record.id}`)).toBe(-1);

    await records.update(record.id, (r) => ({ ...r, status: 'failed', error: { code: 'handler_failed', message: 'x' } }));
    const ttl = await redis.ttl(`${keyPrefix}${record.id}`);
    expect(ttl).toBeGreaterThan(3500);
    expect(ttl).toBeLessThanOrEqual(3600);

    // A re-drive brings it back to life: the expiry goes with it.
    await records.update(record.id, (r) => ({ ...r, status: 'queued' }));
    expect(await redis.ttl(`${keyPrefix}${record.id}`)).toBe(-1);
  });

  it('refuses a stored value the record schema does not accept rather than hand it out', async () => {
    const record = newRecord();
    await redis.set(`${keyPrefix}${record.id}`, JSON.stringify({ ...record, status: 'exploded' }));

    await expect(records.get(record.id)).rejects.toThrow();
    await expect(records.update(record.id, (r) => r)).rejects.toThrow();
  });

  it('judges on what is stored when another writer moved the record after this process last saw it', async () => {
    const other = await openRedisRecordStore({ url: TEST_REDIS_URL, keyPrefix });
    try {
      const record = newRecord({ status: 'processing' });
      await records.create(record);
      await records.update(record.id, (r) => ({ ...r, attempts: r.attempts + 1 }));

      await other.update(record.id, (r) => ({ ...r, attempts: r.attempts + 10 }));
      const counted = await records.update(record.id, (r) => ({ ...r, attempts: r.attempts + 100 }));
      expect(counted).toMatchObject({ applied: true, record: { attempts: 111 } });

      await other.update(record.id, (r) => ({ ...r, status: 'succeeded' }));
      const late = await records.update(record.id, (r) => ({ ...r, status: 'failed' }));
      expect(late).toMatchObject({ applied: false, reason: 'transition_not_allowed', record: { status: 'succeeded', attempts: 111 } });
    } finally {
      await other.close();
    }
  });

  it('answers readiness with a write', async () => {
    await expect(records.checkWritable()).resolves.toBeUndefined();
  });

  it('fails to open with a line naming the variable and hiding the password when no server answers', async () => {
    const opening = openRedisRecordStore({ url: 'redis://:s3cret@127.0.0.1:1', connectTimeoutMs: 500 });

    await expect(opening).rejects.toThrow(RecordStoreUnreachableError);
    await expect(opening).rejects.toThrow(/RECORD_STORE_URL/);
    await expect(opening).rejects.not.toThrow(/s3cret/);
  });
});
