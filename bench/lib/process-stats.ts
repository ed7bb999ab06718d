import { readdir, readFile } from 'node:fs/promises';
import pg from 'pg';

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

/** The pids of local processes whose command line `matches`. */
async function findPids(matches: (cmdline: string) => boolean): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (matches(await readFile(`/proc/${entry}/cmdline`, 'utf8'))) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/** The pid of a local process whose command line `matches`; the busiest one if several do. */
async function findPid(matches: (cmdline: string) => boolean): Promise<number | undefined> {
  let best: { pid: number; cpu: number } | undefined;
  for (const pid of await findPids(matches)) {
    const cpu = await cpuMs(pid).catch(() => NaN);
    if (!best || cpu > best.cpu) best = { pid, cpu };
  }
  return best?.pid;
}

/** RabbitMQ's Erlang VM when it runs on this machine (the server outlives any rabbitmqctl VM in CPU used). */
export const brokerPid = () => findPid((c) => c.includes('beam') && c.includes('rabbit'));
/** Redis, which BullMQ (a baseline) keeps its jobs in. */
export const redisPid = () => findPid((c) => c.startsWith('redis-server'));

/** PostgreSQL's processes that write for every database: their CPU includes other databases' work. */
const POSTGRES_SHARED = ['walwriter', 'checkpointer', 'background writer'];

/** The parent of a live process (PPid in /proc/<pid>/status). */
async function parentPid(pid: number): Promise<number | undefined> {
  const match = /^PPid:\s+(\d+)$/m.exec(await readFile(`/proc/${pid}/status`, 'utf8').catch(() => ''));
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

/**
 * The PostgreSQL processes working for the database `url` names, when the server runs on this
 * machine: among the children of the server that answers at `url` (another instance may run here
 * too), the backend of every connection to that database and any autovacuum worker on it (each
 * titles itself `postgres: [<cluster>: ]<user> <database> …`), plus the WAL writer, checkpointer and
 * background writer, shared with the server's other databases. Backends come and go with the
 * clients' pools, so a CPU group asks again at the end (see cpuDuring). Empty when not local.
 */
export function postgresPids(url: string): () => Promise<number[]> {
  const database = decodeURIComponent(new URL(url).pathname.slice(1));
  let server: Promise<number | undefined> | undefined;
  const serverPid = async () => {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
    try {
      await client.connect();
      const { rows } = await client.query<{ pid: number }>('select pg_backend_pid() as pid');
      return rows[0] === undefined ? undefined : await parentPid(rows[0].pid);
    } catch {
      return undefined;
    } finally {
      await client.end().catch(() => undefined);
    }
  };
  return async () => {
    server ??= serverPid();
    const postmaster = await server;
    if (postmaster === undefined) return [];
    const candidates = await findPids((c) => {
      const title = c.replaceAll('\0', ' ').trimEnd();
      return title.startsWith('postgres: ') && (title.includes(` ${database} `) || POSTGRES_SHARED.some((name) => title.endsWith(`: ${name}`)));
    });
    const children = await Promise.all(candidates.map(async (pid) => ((await parentPid(pid)) === postmaster ? pid : undefined)));
    return children.filter((pid) => pid !== undefined);
  };
}

/** Processes whose CPU is counted together: pids, or a lookup asked before and after. */
export type CpuGroup = number | readonly number[] | (() => Promise<readonly number[]>) | undefined;

/**
 * CPU ms each group of processes used while `fn` ran (NaN for a group whose process is gone). A
 * group given as a lookup counts every process it finds at the end: one that started meanwhile with
 * all its CPU, one found before too with the difference; one that ended meanwhile is missed, so such
 * a figure is a floor.
 */
export async function cpuDuring<T>(groups: Record<string, CpuGroup>, fn: () => Promise<T>): Promise<{ result: T; cpuMs: Record<string, number> }> {
  const pidsOf = async (g: CpuGroup): Promise<readonly number[]> => (g === undefined ? [] : typeof g === 'number' ? [g] : typeof g === 'function' ? await g() : g);
  const read = async () =>
    new Map(
      await Promise.all(
        Object.entries(groups).map(async ([k, g]) => {
          const pids = await pidsOf(g);
          return [k, new Map(await Promise.all(pids.map(async (pid) => [pid, await cpuMs(pid).catch(() => NaN)] as const)))] as const;
        }),
      ),
    );
  const before = await read();
  const self = process.cpuUsage();
  const result = await fn();
  const selfUsed = process.cpuUsage(self);
  const after = await read();
  const cpu: Record<string, number> = {};
  for (const [k, g] of Object.entries(groups)) {
    const start = before.get(k) ?? new Map<number, number>();
    const end = after.get(k) ?? new Map<number, number>();
    if (end.size === 0) {
      cpu[k] = NaN;
      continue;
    }
    let used = 0;
    for (const [pid, ms] of end) used += ms - (start.get(pid) ?? (typeof g === 'function' ? 0 : NaN));
    cpu[k] = used;
  }
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
