/**
 * One run per task id at a time in this process. When a connection drops mid-task, the broker
 * redelivers the message at once on the new channel while the first run is still going; the
 * redelivery waits for it and then finds the task done instead of running it twice.
 */
export interface RunLock {
  /**
   * Runs `work` once no earlier work holds `taskId` here, and holds it until `work` settles.
   * `onWait` is called when there is an earlier one to wait for.
   */
  hold<T>(taskId: string, work: () => Promise<T>, onWait?: () => void): Promise<T>;
}

export function createRunLock(): RunLock {
  // The last run queued for each id; each waits for the one queued before it.
  const lastById = new Map<string, Promise<void>>();
  return {
    async hold(taskId, work, onWait) {
      const earlier = lastById.get(taskId);
      let finish = () => {};
      const mine = new Promise<void>((resolve) => {
        finish = resolve;
      });
      lastById.set(taskId, mine);
      try {
        if (earlier !== undefined) {
          onWait?.();
          await earlier;
        }
        return await work();
      } finally {
        finish();
        if (lastById.get(taskId) === mine) lastById.delete(taskId);
      }
    },
  };
}
