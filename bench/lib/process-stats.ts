import { readdir, readFile } from 'node:fs/promises';

/** Peak resident set size of a live process, in MB (Linux: VmHWM in /proc/<pid>/status). */
export async function peakRssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const match = /^VmHWM:\s+(\d+) kB$/m.exec(status);
  if (!match?.[1]) throw new Error(`no VmHWM for pid ${pid}`);
  return Number(match[1]) / 1024;
}

export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const i = (sorted.length - 1) * p;
  const lo = Math.floor(i);
  const hi = Math.ceil(i);
  return (sorted[lo] ?? 0) + ((sorted[hi] ?? 0) - (sorted[lo] ?? 0)) * (i - lo);
}

/** CPU time (user + system, all threads) a live process has used so far, in ms (Linux). */
export async function cpuMs(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces), from field 3 on: utime is 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1000) / CLOCK_TICKS_PER_S;
}

/** USER_HZ: 100 on every Linux this runs on (getconf CLK_TCK). */
const CLOCK_TICKS_PER_S = 100;

/** The pid of a local process whose command line `matches`; the busiest one if several do. */
async function findPid(matches: (cmdline: string) => boolean): Promise<number | undefined> {
  let best: { pid: number; cpu: number } | undefined;
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (!matches(await readFile(`/proc/${entry}/cmdline`, 'utf8'))) continue;
      const cpu = await cpuMs(Number(entry));
      if (!best || cpu > best.cpu) best = { pid: Number(entry), cpu };
    } catch {
      // gone meanwhile
    }
  }
  return best?.pid;
}

/** RabbitMQ's Erlang VM when it runs on this machine (the server outlives any rabbitmqctl VM in CPU used). */
export const brokerPid = () => findPid((c) => c.includes('beam') && c.includes('rabbit'));
export const redisPid = () => findPid((c) => c.startsWith('redis-server'));

/** CPU ms each group of processes used while `fn` ran (NaN for a group whose process is gone). */
export async function cpuDuring<T>(groups: Record<string, number | readonly number[] | undefined>, fn: () => Promise<T>): Promise<{ result: T; cpuMs: Record<string, number> }> {
  const pidsOf = (g: number | readonly number[] | undefined) => (g === undefined ? [] : typeof g === 'number' ? [g] : g);
  const read = async () =>
    Object.fromEntries(
      await Promise.all(
        Object.entries(groups).map(async ([k, g]) => {
          const values = await Promise.all(pidsOf(g).map((pid) => cpuMs(pid).catch(() => NaN)));
          return [k, values.length ? values.reduce((a, b) => a + b, 0) : NaN] as const;
        }),
      ),
    );
  const before = await read();
  const self = process.cpuUsage();
  const result = await fn();
  const selfUsed = process.cpuUsage(self);
  const after = await read();
  const cpu: Record<string, number> = Object.fromEntries(Object.keys(groups).map((k) => [k, (after[k] ?? NaN) - (before[k] ?? NaN)]));
  cpu.bench = (selfUsed.user + selfUsed.system) / 1000;
  return { result, cpuMs: cpu };
}

export function perItem(cpu: Record<string, number>, count: number): Record<string, number> {
  return Object.fromEntries(Object.entries(cpu).map(([k, v]) => [k, v / count]));
}

export function formatCpu(cpu: Record<string, number> | undefined): string {
  return Object.entries(cpu ?? {})
    .map(([k, v]) => `${k} ${v.toFixed(v < 10 ? 2 : 0)}`)
    .join(', ');
}
