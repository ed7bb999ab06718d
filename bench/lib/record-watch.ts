import { watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import type { Storage } from '@offload/storage';
import { epochMs } from './stats';

/**
 * Notices when a task's record reaches `succeeded` without polling the API (which would load the
 * process under test). Records in files (`dataDir` given): inotify on the records/ directory,
 * then one read of the record through the storage interface, and a slow poll for any event the
 * watcher missed. Records elsewhere (Redis): a read of each awaited record every 25 ms (so the
 * latency there is ~12 ms coarser; finer polling cost the client measurable CPU per image).
 */
export function watchRecords(dataDir: string | undefined, storage: Storage): { done(id: string): Promise<number>; close(): void } {
  const waiting = new Map<string, { resolve: (at: number) => void; reject: (err: Error) => void }>();
  const check = async (id: string, at: number) => {
    const w = waiting.get(id);
    if (!w) return;
    const record = await storage.records.get(id).catch(() => undefined);
    if (!waiting.has(id) || record === undefined) return;
    if (record.status === 'succeeded') {
      waiting.delete(id);
      w.resolve(at);
    } else if (record.status === 'failed') {
      waiting.delete(id);
      w.reject(new Error(`task ${id} failed: ${record.error?.code ?? '?'} ${record.error?.message ?? ''}`));
    }
  };
  const watcher: FSWatcher | undefined =
    dataDir === undefined
      ? undefined
      : watch(join(dataDir, 'records'), (_event, filename) => {
          if (typeof filename !== 'string' || !filename.endsWith('.json') || filename.startsWith('.')) return;
          void check(filename.slice(0, -'.json'.length), epochMs());
        });
  const poll = setInterval(
    () => {
      for (const id of waiting.keys()) void check(id, epochMs());
    },
    watcher === undefined ? 25 : 250,
  );
  return {
    done: (id) =>
      new Promise<number>((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        void check(id, epochMs());
      }),
    close() {
      watcher?.close();
      clearInterval(poll);
    },
  };
}
