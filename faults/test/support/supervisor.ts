import { type Exit } from './child-process';
import { WorkerDiedStartingError, type FaultSystem, type WorkerProcess } from './fault-system';

/** Restarts a supervisor makes before it gives up (a worker that dies at every start). */
const MAX_RESTARTS = 30;

export interface Death {
  pid: number;
  exit: Exit;
}

/** Keeps N fault workers running, replacing each one that dies, as an orchestrator would. */
export interface Supervisor {
  /** Workers that died on their own, in order. */
  deaths(): readonly Death[];
  /** Stops replacing workers and waits for replacements under way (the system stops them all). */
  stop(): Promise<void>;
}

export async function superviseWorkers(system: FaultSystem, replicas: number, env: Record<string, string> = {}): Promise<Supervisor> {
  const deaths: Death[] = [];
  const pending = new Set<Promise<void>>();
  const failures: unknown[] = [];
  let stopping = false;

  let restarts = 0;
  const replace = (): void => {
    if (stopping) return;
    if (++restarts > MAX_RESTARTS) {
      failures.push(new Error(`workers died ${MAX_RESTARTS} times in a row`));
      return;
    }
    const replacing = system.startWorker(env).then(watch, (err: unknown) => {
      // Died before it was ready (the crashing task reached it first): a death like any other.
      if (err instanceof WorkerDiedStartingError) {
        deaths.push({ pid: err.pid, exit: err.exit });
        replace();
        return;
      }
      failures.push(err);
    });
    pending.add(replacing);
    void replacing.finally(() => pending.delete(replacing));
  };
  const watch = (worker: WorkerProcess): void => {
    void worker.exited.then((exit) => {
      if (stopping) return;
      deaths.push({ pid: worker.pid, exit });
      replace();
    });
  };

  for (let i = 0; i < replicas; i++) watch(await system.startWorker(env));
  return {
    deaths: () => deaths,
    async stop() {
      stopping = true;
      await Promise.all(pending);
      if (failures.length > 0) throw new AggregateError(failures, 'a replacement worker did not start');
    },
  };
}
