import { createRunGate } from './run-gate';

function deferred() {
  let resolve = () => {};
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('createRunGate', () => {
  it('runs shared work side by side', async () => {
    const gate = createRunGate();
    const a = deferred();
    const b = deferred();
    let running = 0;
    let peak = 0;
    const run = (d: { promise: Promise<void> }) =>
      gate.shared(async () => {
        peak = Math.max(peak, ++running);
        await d.promise;
        running--;
      });
    const all = Promise.all([run(a), run(b)]);
    await tick();
    expect(peak).toBe(2);
    a.resolve();
    b.resolve();
    await all;
  });

  it('starts exclusive work only once shared work ends, and holds new shared work back until it ends', async () => {
    const gate = createRunGate();
    const events: string[] = [];
    const first = deferred();
    const alone = deferred();
    const s1 = gate.shared(async () => {
      events.push('s1 start');
      await first.promise;
      events.push('s1 end');
    });
    await tick();
    const x = gate.exclusive(async () => {
      events.push('x start');
      await alone.promise;
      events.push('x end');
    });
    await tick();
    const s2 = gate.shared(async () => {
      events.push('s2 start');
    });
    await tick();
    expect(events).toEqual(['s1 start']);
    first.resolve();
    await s1;
    await tick();
    expect(events).toEqual(['s1 start', 's1 end', 'x start']);
    alone.resolve();
    await Promise.all([x, s2]);
    expect(events).toEqual(['s1 start', 's1 end', 'x start', 'x end', 's2 start']);
  });

  it('runs exclusive work one at a time, and releases the gate when work throws', async () => {
    const gate = createRunGate();
    let running = 0;
    let peak = 0;
    const run = (fail: boolean) =>
      gate.exclusive(async () => {
        peak = Math.max(peak, ++running);
        await tick();
        running--;
        if (fail) throw new Error('boom');
      });
    const results = await Promise.allSettled([run(true), run(false), run(false)]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled', 'fulfilled']);
    expect(peak).toBe(1);
    await expect(gate.shared(async () => 'still open')).resolves.toBe('still open');
  });
});
