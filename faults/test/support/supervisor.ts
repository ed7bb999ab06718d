import { type Exit } from './child-process';
import type { FaultSystem, WorkerProcess } from './fault-system';

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

  const watch = (worker: WorkerProcess): void => {
    void worker.exited.then((exit) => {
      if (stopping) return;
      deaths.push({ pid: worker.pid, exit });
      const replacing = system.startWorker(env).then(watch, (err: unknown) => {
        failures.push(err);
      });
      pending.add(replacing);
      void replacing.finally(() => pending.delete(replacing));
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
