import { waitUntil } from './wait-until';

describe('waitUntil', () => {
  it('resolves with the first value the check returns', async () => {
    let calls = 0;
    await expect(waitUntil(() => (++calls >= 3 ? 'ready' : undefined), { intervalMs: 1 })).resolves.toBe('ready');
    expect(calls).toBe(3);
  });

  it('names what it waited for when the deadline passes, with the last error', async () => {
    await expect(
      waitUntil(
        () => {
          throw new Error('boom');
        },
        { timeoutMs: 20, intervalMs: 5, description: 'the thing' },
      ),
    ).rejects.toThrow(/waiting for the thing \(last error: Error: boom\)/);
  });
});
