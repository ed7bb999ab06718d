/**
 * A readers–writer gate for task runs. Shared runs go side by side; an exclusive run waits until
 * none is going and keeps new ones waiting until it ends (a waiting exclusive run goes first, so
 * it is never starved). Exclusive runs go one at a time.
 */
export interface RunGate {
  shared<T>(work: () => Promise<T>): Promise<T>;
  exclusive<T>(work: () => Promise<T>): Promise<T>;
}

export function createRunGate(): RunGate {
  let sharedRunning = 0;
  let exclusiveRunning = false;
  let exclusiveWaiting = 0;
  const wakers = new Set<() => void>();
  const wake = () => wakers.forEach((w) => w());
  const nextChange = () =>
    new Promise<void>((resolve) => {
      const waker = () => {
        wakers.delete(waker);
        resolve();
      };
      wakers.add(waker);
    });

  // Each check and the claim that follows it happen in one turn, with no await in between.
  return {
    async shared(work) {
      while (exclusiveRunning || exclusiveWaiting > 0) await nextChange();
      sharedRunning++;
      try {
        return await work();
      } finally {
        sharedRunning--;
        wake();
      }
    },
    async exclusive(work) {
      exclusiveWaiting++;
      while (exclusiveRunning || sharedRunning > 0) await nextChange();
      exclusiveWaiting--;
      exclusiveRunning = true;
      try {
        return await work();
      } finally {
        exclusiveRunning = false;
        wake();
      }
    },
  };
}
