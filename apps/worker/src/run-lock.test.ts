import { createRunLock } from './run-lock';

function deferred() {
  let resolve = () => {};
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('createRunLock', () => {
  it('runs work for one task id one after the other, in the order it came, and says when it waits', async () => {
    const lock = createRunLock();
    const events: string[] = [];
    const first = deferred();
    const a = lock.hold('t1', async () => {
      events.push('a start');
      await first.promise;
      events.push('a end');
    });
    const b = lock.hold('t1', async () => events.push('b start'), () => events.push('b waits'));
    const c = lock.hold('t1', async () => events.push('c start'), () => events.push('c waits'));
    await tick();
    expect(events).toEqual(['a start', 'b waits', 'c waits']);
    first.resolve();
    await Promise.all([a, b, c]);
    expect(events).toEqual(['a start', 'b waits', 'c waits', 'a end', 'b start', 'c start']);
  });

  it('runs work for different task ids side by side', async () => {
    const lock = createRunLock();
    const first = deferred();
    let otherRan = false;
    const a = lock.hold('t1', () => first.promise);
    await lock.hold('t2', async () => {
      otherRan = true;
    });
    expect(otherRan).toBe(true);
    first.resolve();
    await a;
  });

  it('lets the next run go when work throws, and passes the error and the value on', async () => {
    const lock = createRunLock();
    await expect(lock.hold('t1', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(lock.hold('t1', async () => 42)).resolves.toBe(42);
  });
});
