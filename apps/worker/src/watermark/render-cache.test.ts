import { RenderCache } from './render-cache';

const bytes = (b: Buffer) => b.length;

describe('RenderCache', () => {
  it('computes a key once and hands the same value to later and concurrent requests', async () => {
    const cache = new RenderCache<Buffer>(1024, bytes);
    let calls = 0;
    const compute = async () => {
      calls += 1;
      return Buffer.alloc(10);
    };
    const [a, b] = await Promise.all([cache.get('k', compute), cache.get('k', compute)]);
    const c = await cache.get('k', compute);
    expect(calls).toBe(1);
    expect(b).toBe(a);
    expect(c).toBe(a);
  });

  it('does not keep a failed computation, so the next request tries again', async () => {
    const cache = new RenderCache<Buffer>(1024, bytes);
    await expect(cache.get('k', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(cache.size).toBe(0);
    await expect(cache.get('k', async () => Buffer.alloc(1))).resolves.toHaveLength(1);
  });

  it('evicts the least recently used values past its byte budget', async () => {
    const cache = new RenderCache<Buffer>(200, bytes);
    for (const key of ['a', 'b', 'c', 'd', 'a', 'e']) await cache.get(key, async () => Buffer.alloc(50));
    let recomputed = '';
    for (const key of ['a', 'c', 'd', 'e', 'b']) {
      await cache.get(key, async () => {
        recomputed += key;
        return Buffer.alloc(1);
      });
    }
    expect(recomputed).toBe('b');
  });

  it('does not keep a value larger than a quarter of its budget', async () => {
    const cache = new RenderCache<Buffer>(100, bytes);
    await cache.get('big', async () => Buffer.alloc(26));
    expect(cache.size).toBe(0);
  });
});
