import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection, type Json } from '@duckdb/node-api';
import { literal } from './sql';

export interface EngineLimits {
  /** DuckDB's own memory limit; its process RSS runs well above it (see README). */
  memoryLimitMb: number;
  threads: number;
  /** Where the per-task database's spill files live; removed afterwards. */
  tempDir: string;
}

export type Row = Record<string, Json>;

/**
 * A lane is one connection: its statements run one after the other, in the order they were
 * asked for; statements of different lanes run at the same time (sharing the engine's threads).
 */
export type Lane = 0 | 1;

export interface EngineSession {
  query(sql: string, lane?: Lane): Promise<Row[]>;
  run(sql: string, lane?: Lane): Promise<void>;
  /** Interrupts what still runs, waits for it to stop, then frees the database and its files. */
  close(): Promise<void>;
}

/**
 * One DuckDB database per task, in memory with spill files in a fresh directory, so a dataset
 * larger than the engine's memory limit spills instead of crashing. The engine may read
 * `datasetPath` and write its spill files, nothing else (no other file, no network, no
 * extensions), and its configuration is locked. Aborting `signal` interrupts the running
 * statements.
 */
export async function openEngineSession(limits: EngineLimits, datasetPath: string, signal: AbortSignal): Promise<EngineSession> {
  const dir = await mkdtemp(join(limits.tempDir, 'offload-analysis-'));
  let instance: DuckDBInstance | undefined;
  let first: DuckDBConnection;
  try {
    // In memory: the table is scratch, so writing it to a database file (compression, checksums,
    // a checkpoint) would be work for nothing; blocks over the memory limit go to temp_directory.
    instance = await DuckDBInstance.create(':memory:', {
      memory_limit: `${limits.memoryLimitMb}MB`,
      threads: String(limits.threads),
      preserve_insertion_order: 'false',
      temp_directory: join(dir, 'spill'),
      // No extension is installed or loaded, not even one a query names (httpfs for a URL).
      autoinstall_known_extensions: 'false',
      autoload_known_extensions: 'false',
      allow_community_extensions: 'false',
    });
    first = await instance.connect();
    // Zoned timestamps (a CSV or JSON value with Z or an offset) are written as text in the time
    // zone of the database: UTC for every connection, so a result never depends on the host's.
    await first.run("SET GLOBAL TimeZone = 'UTC'");
    // Lists cannot be passed at creation; set them, then lock file access down for good: with
    // external access off, the engine reads the dataset and nothing else (no file, no URL, no
    // ATTACH, no COPY … TO, no INSTALL), and writes only its own temp_directory. Locked, no
    // statement on any connection can change a setting back.
    await first.run(`SET allowed_paths = [${literal(datasetPath)}]`);
    await first.run('SET enable_external_access = false');
    await first.run('SET lock_configuration = true');
  } catch (err) {
    instance?.closeSync();
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  const db = instance;
  const connections: [Promise<DuckDBConnection> | undefined, Promise<DuckDBConnection> | undefined] = [Promise.resolve(first), undefined];
  const open: DuckDBConnection[] = [first];
  // Each lane's last statement: the next one starts when it has settled.
  const tails: [Promise<unknown>, Promise<unknown>] = [Promise.resolve(), Promise.resolve()];
  const connection = (lane: Lane): Promise<DuckDBConnection> => {
    let c = connections[lane];
    if (c === undefined) {
      c = db.connect().then((opened) => {
        open.push(opened);
        return opened;
      });
      connections[lane] = c;
    }
    return c;
  };
  const interruptAll = () => {
    for (const c of open) c.interrupt();
  };
  signal.addEventListener('abort', interruptAll, { once: true });
  const enqueue = <T>(lane: Lane, work: (c: DuckDBConnection) => Promise<T>): Promise<T> => {
    const result = tails[lane]
      .catch(() => undefined)
      .then(async () => {
        signal.throwIfAborted();
        try {
          const c = await connection(lane);
          signal.throwIfAborted();
          return await work(c);
        } catch (err) {
          // An interrupted statement fails with DuckDB's own error; report why it was interrupted.
          signal.throwIfAborted();
          throw err;
        }
      });
    tails[lane] = result.catch(() => undefined);
    return result;
  };
  return {
    query: (sql, lane = 0) => enqueue(lane, async (c) => (await c.runAndReadAll(sql)).getRowObjectsJson()),
    run: (sql, lane = 0) => enqueue(lane, async (c) => void (await c.run(sql))),
    async close() {
      signal.removeEventListener('abort', interruptAll);
      interruptAll();
      await Promise.all(tails);
      for (const c of open) c.closeSync();
      db.closeSync();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
