/**
 * Starts `count` operations with at most `window` pending at a time; resolves when all settled,
 * rejects with the first failure.
 */
export async function windowed(count: number, window: number, start: (i: number) => Promise<unknown>): Promise<void> {
  let pending = 0;
  let failed: unknown;
  let wake: (() => void) | undefined;
  const done = (err?: unknown) => {
    pending -= 1;
    if (err !== undefined) failed ??= err;
    const w = wake;
    wake = undefined;
    w?.();
  };
  const until = async (ok: () => boolean) => {
    while (!ok()) await new Promise<void>((r) => (wake = r));
  };
  for (let i = 0; i < count; i++) {
    if (pending >= window) await until(() => pending < window || failed !== undefined);
    if (failed !== undefined) break;
    pending += 1;
    start(i).then(() => done(), (err: unknown) => done(err ?? new Error('failed')));
  }
  await until(() => pending === 0);
  if (failed !== undefined) throw failed;
}

/** Starts `count` operations at `ratePerSec`, on schedule whatever the earlier ones do; resolves when all settled. */
export async function paced(count: number, ratePerSec: number, start: (i: number) => Promise<unknown>): Promise<void> {
  const t0 = performance.now();
  const pending: Promise<unknown>[] = [];
  for (let i = 0; i < count; i++) {
    const wait = t0 + (i * 1000) / ratePerSec - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    pending.push(start(i));
  }
  await Promise.all(pending);
}
