import type { TaskResultRef } from '@offload/contracts';
import { PermanentTaskError, TransientTaskError } from '../src/errors';
import type { TaskHandler } from '../src/handlers/handler';

/**
 * A watermark handler driven by the task's text, for testing the worker's delivery logic without
 * sharp: `ok`, `transient:<k>` (fails the first k attempts), `permanent`, `plain-error`,
 * `hang` (ignores its signal until released by the test), `slow:<ms>` (honours its signal),
 * `broken` (fails permanently until the test calls `repair()`, then succeeds).
 */
export function scriptedHandler() {
  const calls = new Map<string, number>();
  let running = 0;
  let maxRunning = 0;
  const hung: (() => void)[] = [];
  let repaired = false;

  const handler: TaskHandler<'watermark'> = async (content, { taskId, storage, signal }) => {
    calls.set(taskId, (calls.get(taskId) ?? 0) + 1);
    running++;
    maxRunning = Math.max(maxRunning, running);
    try {
      const script = content.watermark.text ?? 'ok';
      const [verb = 'ok', arg = '0'] = script.split(':');
      switch (verb) {
        case 'transient':
          if ((calls.get(taskId) ?? 0) <= Number(arg)) throw new TransientTaskError('handler_failed', `transient failure ${calls.get(taskId)}`);
          break;
        case 'broken':
          if (!repaired) throw new PermanentTaskError('corrupt_image', 'the image is broken until repaired');
          break;
        case 'permanent':
          throw new PermanentTaskError('corrupt_image', 'the image is truncated');
        case 'plain-error':
          throw new Error('something nobody classified');
        case 'hang':
          await new Promise<void>((resolve) => hung.push(resolve));
          break;
        case 'slow':
          await new Promise<void>((resolve, reject) => {
            const timer = setTimeout(resolve, Number(arg));
            signal.addEventListener('abort', () => {
              clearTimeout(timer);
              reject(signal.reason);
            });
          });
          break;
      }
      const key = `out_${taskId}.txt`;
      await storage.blobs.put(key, Buffer.from(`done ${taskId}`));
      const result: TaskResultRef = { output_key: key, content_type: 'text/plain' };
      return result;
    } finally {
      running--;
    }
  };

  return {
    handler,
    calls: (id: string) => calls.get(id) ?? 0,
    maxRunning: () => maxRunning,
    running: () => running,
    /** Starts counting the peak of concurrent calls afresh. */
    resetMaxRunning: () => {
      maxRunning = running;
    },
    releaseHung: () => hung.splice(0).forEach((resolve) => resolve()),
    /** From now on `broken` tasks succeed. */
    repair: () => {
      repaired = true;
    },
  };
}

export function task(text: string) {
  return { task_type: 'watermark' as const, content: { image: `up_${'0'.repeat(32)}`, watermark: { text, position: 'bottom-right' as const, tile: false, opacity: 0.5, size: 0.25, margin: 0.02 } } };
}
