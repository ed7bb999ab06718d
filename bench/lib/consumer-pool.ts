import type { ChildProcess } from 'node:child_process';
import { exited, logTail, nextMessage, spawnNode, stopChild, type SpawnOptions } from './child';
import type { ConsumerCommand, ConsumerMessage } from './consumer-protocol';

export interface PoolReport {
  completed: number;
  /** When the last task completed, in epoch ms (the latest over the pool's processes). */
  lastAt: number;
  latenciesMs: number[];
}

/** One or more consumer processes of one kind, speaking bench/lib/consumer-protocol.ts. */
export interface ConsumerPool {
  readonly pids: number[];
  /** Zeroes every process's counters and samples. */
  reset(): Promise<void>;
  /** Resolves once the processes together completed `total` tasks since the last reset. */
  waitForCompleted(total: number, timeoutMs: number): Promise<void>;
  report(): Promise<PoolReport>;
  stop(): Promise<void>;
}

const isMessage = (m: unknown): m is ConsumerMessage => typeof m === 'object' && m !== null && 'type' in m;

export async function startConsumers(entry: string, count: number, options: Omit<SpawnOptions, 'ipc' | 'log'> & { log: string }, readyTimeoutMs = 60_000): Promise<ConsumerPool> {
  const children: ChildProcess[] = [];
  const completed = new Map<ChildProcess, number>();
  let waiter: { total: number; resolve: () => void; reject: (err: Error) => void } | undefined;
  let failure: Error | undefined;
  let stopping = false;

  const check = () => {
    if (!waiter) return;
    if (failure) {
      waiter.reject(failure);
      waiter = undefined;
      return;
    }
    let sum = 0;
    for (const n of completed.values()) sum += n;
    if (sum >= waiter.total) {
      waiter.resolve();
      waiter = undefined;
    }
  };

  try {
    for (let i = 0; i < count; i++) {
      const child = spawnNode(entry, { ...options, log: options.log.replace(/(\.log)?$/, `-${i}.log`), ipc: true });
      children.push(child);
      completed.set(child, 0);
      child.on('message', (m: unknown) => {
        if (isMessage(m) && m.type === 'progress') {
          completed.set(child, m.completed);
          check();
        }
      });
      child.once('exit', (code, signal) => {
        if (stopping) return;
        failure ??= new Error(`consumer ${entry} #${i} exited (${signal ?? code})\n${logTail(child)}`);
        check();
      });
    }
    await Promise.all(children.map((c, i) => nextMessage(c, (m) => (isMessage(m) && m.type === 'ready' ? true : undefined), readyTimeoutMs, `consumer #${i} start`)));
  } catch (err) {
    stopping = true;
    await Promise.all(children.map((c) => stopChild(c, 5_000)));
    throw err;
  }

  const ask = <T>(command: ConsumerCommand, accept: (m: ConsumerMessage) => T | undefined) =>
    Promise.all(
      children.map((c, i) => {
        const answer = nextMessage(c, (m) => (isMessage(m) ? accept(m) : undefined), 30_000, `consumer #${i} ${command.type}`);
        c.send(command);
        return answer;
      }),
    );

  return {
    pids: children.map((c) => c.pid ?? NaN),
    async reset() {
      if (failure) throw failure;
      await ask({ type: 'reset' }, (m) => (m.type === 'reset' ? true : undefined));
      for (const c of children) completed.set(c, 0);
    },
    waitForCompleted(total, timeoutMs) {
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiter = undefined;
          let sum = 0;
          for (const n of completed.values()) sum += n;
          reject(new Error(`only ${sum} of ${total} tasks completed within ${Math.round(timeoutMs / 1000)} s`));
        }, timeoutMs);
        waiter = {
          total,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
          reject: (err) => {
            clearTimeout(timer);
            reject(err);
          },
        };
        check();
      });
    },
    async report() {
      const reports = await ask({ type: 'report' }, (m) => (m.type === 'report' ? m : undefined));
      return {
        completed: reports.reduce((s, r) => s + r.completed, 0),
        lastAt: reports.reduce((s, r) => Math.max(s, r.lastAt), 0),
        latenciesMs: reports.flatMap((r) => r.latenciesMs),
      };
    },
    async stop() {
      stopping = true;
      await Promise.all(children.filter((c) => !exited(c)).map((c) => stopChild(c)));
    },
  };
}
