import type { WorkerProcess } from './fault-system';

/** `offload_tasks_processed_total` of one worker process for an outcome (succeeded, skipped…). */
export async function processedCount(worker: WorkerProcess, outcome: string): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${worker.httpPort}/metrics`, { signal: AbortSignal.timeout(10_000) });
  if (!res.ok) throw new Error(`GET /metrics of worker ${worker.pid}: ${res.status}`);
  let total = 0;
  for (const line of (await res.text()).split('\n')) {
    if (line.startsWith('offload_tasks_processed_total{') && line.includes(`outcome="${outcome}"`)) total += Number(line.split(' ').at(-1));
  }
  return total;
}
