import { setTimeout as sleep } from 'node:timers/promises';
import type { TaskResultRef } from '@offload/contracts';
import { PermanentTaskError, TransientTaskError, type TaskHandler } from '@offload/worker/testing';
import { appendExecution, appendStart } from './execution-log';
import { faultOutput, outputKeyOf, sha256 } from './fault-output';

/**
 * The fault worker's `watermark` handler, driven by `content.watermark.text`:
 * - `work:<ms>`: works for ms (honouring its signal), then stores its output;
 * - `flaky:<k>:<ms>`: fails with a retryable error on attempts 1..k (the record's `attempts`,
 *   which the worker counts before each run), then works like `work:<ms>`;
 * - `crash`: SIGKILLs its own process, every time.
 * The output bytes depend only on the task id and the script (see faultOutput).
 */
export function scriptedWatermarkHandler(dataDir: string): TaskHandler<'watermark'> {
  return async (content, { taskId, storage, signal }) => {
    const script = content.watermark.text ?? '';
    const [verb, ...args] = script.split(':');
    await appendStart(dataDir, taskId);
    switch (verb) {
      case 'crash':
        process.kill(process.pid, 'SIGKILL');
        // SIGKILL is not delivered synchronously: never return in the meantime.
        return new Promise<never>(() => undefined);
      case 'flaky': {
        const attempt = (await storage.records.get(taskId))?.attempts ?? 1;
        if (attempt <= numberArg(args[0], script)) throw new TransientTaskError('handler_failed', `scripted failure on attempt ${attempt}`);
        await sleep(numberArg(args[1], script), undefined, { signal });
        break;
      }
      case 'work':
        await sleep(numberArg(args[0], script), undefined, { signal });
        break;
      default:
        throw new PermanentTaskError('validation_failed', `unknown fault script ${JSON.stringify(script)}`);
    }
    const output = faultOutput(taskId, script);
    const key = outputKeyOf(taskId);
    await storage.blobs.put(key, output);
    await appendExecution(dataDir, taskId, sha256(output));
    const result: TaskResultRef = { output_key: key, content_type: 'text/plain' };
    return result;
  };
}

function numberArg(raw: string | undefined, script: string): number {
  const value = Number(raw);
  if (raw === undefined || !Number.isSafeInteger(value) || value < 0) {
    throw new PermanentTaskError('validation_failed', `bad number in fault script ${JSON.stringify(script)}`);
  }
  return value;
}
