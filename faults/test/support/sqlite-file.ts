import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import BetterSqlite3 from 'better-sqlite3';
import { SQLITE_FILE } from '@offload/storage';
import { waitUntil } from '@offload/test-support';
import type { Child } from './child-process';

/** The SQLite record database of a DATA_DIR. */
export function sqliteFile(dataDir: string): string {
  return join(dataDir, SQLITE_FILE);
}

/**
 * In WAL mode SQLite's write lock is a POSIX lock on byte 120 of the `-shm` file (the WAL index):
 * WAL_WRITE_LOCK, at UNIX_SHM_BASE (sqlite3 src/os_unix.c). A connection holds it exclusively from
 * BEGIN IMMEDIATE to the end of its COMMIT, and only then.
 */
const WAL_WRITE_LOCK_BYTE = 120;

/** True when process `pid` holds SQLite's write lock on the database whose `-shm` has inode `shmInode`: it is inside a write transaction. */
async function holdsWriteLock(pid: number, shmInode: number): Promise<boolean> {
  // `<n>: POSIX  ADVISORY  WRITE <pid> <major>:<minor>:<inode> <start> <end>`
  for (const line of (await readFile('/proc/locks', 'utf8')).split('\n')) {
    const [, kind, , mode, owner, file, start] = line.trim().split(/\s+/);
    if (kind === 'POSIX' && mode === 'WRITE' && Number(owner) === pid && Number(file?.split(':')[2]) === shmInode && Number(start) === WAL_WRITE_LOCK_BYTE) return true;
  }
  return false;
}

/** The state letter of /proc/<pid>/stat (`T`: stopped by a signal). */
async function processState(pid: number): Promise<string> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
}

export interface TransactionKill {
  /** Stops it took to find the process inside a write transaction. */
  tries: number;
}

/**
 * SIGKILLs `child` while it is inside a write transaction on `dbFile`: stops it (SIGSTOP), and if
 * /proc/locks shows it holding the write lock, kills it there; otherwise lets it run a moment
 * (SIGCONT) and tries again. A stopped process is frozen at an arbitrary instruction, so the kill
 * lands exactly where a SIGKILL at the moment of the stop would have, with the transaction open.
 * `worthKilling` is asked while it is stopped there (a transaction of its heartbeat alone, with no
 * task in hand, proves little).
 */
export async function killInWriteTransaction(child: Child, dbFile: string, timeoutMs: number, worthKilling: () => Promise<boolean> = () => Promise.resolve(true)): Promise<TransactionKill> {
  const shmInode = (await stat(`${dbFile}-shm`)).ino;
  const deadline = Date.now() + timeoutMs;
  for (let tries = 1; ; tries++) {
    if (child.exit() !== undefined) throw new Error(`${child.name} (pid ${child.pid}) exited before it could be killed in a transaction`);
    if (Date.now() > deadline) throw new Error(`${child.name} (pid ${child.pid}) was not inside a write transaction in ${tries - 1} stops over ${timeoutMs} ms`);
    process.kill(child.pid, 'SIGSTOP');
    let killed = false;
    try {
      await waitUntil(async () => (await processState(child.pid)) === 'T', { timeoutMs: 5_000, intervalMs: 1, description: `${child.name} (pid ${child.pid}) to stop` });
      if ((await holdsWriteLock(child.pid, shmInode)) && (await worthKilling())) {
        process.kill(child.pid, 'SIGKILL');
        killed = true;
        await child.exited;
        return { tries };
      }
    } finally {
      if (!killed) process.kill(child.pid, 'SIGCONT');
    }
    // Let it run on: a few ms is a handful of transactions under load.
    await sleep(1 + (tries % 7));
  }
}

/** Opens `dbFile` read-only (never creating or migrating it), runs `use`, closes it. */
function readOnly<T>(dbFile: string, use: (db: BetterSqlite3.Database) => T): T {
  const db = new BetterSqlite3(dbFile, { readonly: true, fileMustExist: true });
  try {
    return use(db);
  } finally {
    db.close();
  }
}

/** `PRAGMA integrity_check` of `dbFile`: `['ok']` when the file is sound, else SQLite's findings. */
export function integrityCheck(dbFile: string): string[] {
  // better-sqlite3 types pragma rows as unknown; integrity_check answers one text column.
  return readOnly(dbFile, (db) => (db.pragma('integrity_check') as { integrity_check: string }[]).map((row) => row.integrity_check));
}

/** The status column of the task rows of `ids` (ids without a row are left out), read-only. */
export function taskStatuses(dbFile: string, ids: readonly string[]): Map<string, string> {
  if (ids.length === 0) return new Map();
  return readOnly(dbFile, (db) => {
    // better-sqlite3 types rows as unknown; these are the two text columns selected.
    const rows = db.prepare(`select id, status from tasks where id in (${ids.map(() => '?').join(',')})`).all(...ids) as { id: string; status: string }[];
    return new Map(rows.map((row) => [row.id, row.status]));
  });
}
