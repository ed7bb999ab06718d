import { createMetrics } from './metrics';
import { timeStoreCalls, timeStores } from './timed-stores';

class Store {
  #rows = new Map<string, number>([['a', 1]]);
  get(id: string): Promise<number | undefined> {
    return Promise.resolve(this.#rows.get(id));
  }
  fail(): Promise<never> {
    return Promise.reject(new Error('database down'));
  }
  name(): string {
    return 'store';
  }
}

describe('timeStoreCalls', () => {
  it('times each call by store, operation and outcome, and returns what the method returned', async () => {
    const metrics = createMetrics('api');
    const store = timeStoreCalls(new Store(), 'records', metrics.recordStoreDuration);
    expect(await store.get('a')).toBe(1);
    await expect(store.fail()).rejects.toThrow('database down');
    expect(store.name()).toBe('store');
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/^offload_record_store_duration_seconds_count\{role="api",store="records",operation="get",outcome="ok"\} 1$/m);
    expect(text).toMatch(/^offload_record_store_duration_seconds_count\{role="api",store="records",operation="fail",outcome="error"\} 1$/m);
    expect(text).not.toContain('operation="name"');
  });
});

describe('timeStores', () => {
  it('times the named members only and keeps the others (and their methods) working', async () => {
    const metrics = createMetrics('worker');
    const storage = new (class {
      readonly records = new Store();
      readonly other = new Store();
      #closed = false;
      close(): Promise<boolean> {
        this.#closed = true;
        return Promise.resolve(this.#closed);
      }
    })();
    const timed = timeStores(storage, ['records'], metrics.recordStoreDuration);
    await timed.records.get('a');
    await timed.other.get('a');
    expect(await timed.close()).toBe(true);
    const text = await metrics.registry.metrics();
    expect(text).toContain('store="records",operation="get"');
    expect(text).not.toContain('store="other"');
  });
});
