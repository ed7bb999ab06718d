import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection, type Json } from '@duckdb/node-api';
import { literal } from './sql';

export interface EngineLimits {
  /** DuckDB's own memory limit; its process RSS runs well above it (see README). */
  memoryLimitMb: number;
  threads: number;
  /** Where the per-task database and its spill files live; removed afterwards. */
  tempDir: string;
}

export type Row = Record<string, Json>;

export interface EngineSession {
  query(sql: string): Promise<Row[]>;
  run(sql: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * One DuckDB database per task, on disk in a fresh directory so a dataset larger than memory
 * spills instead of crashing. The engine may read `datasetPath` and its own directory, nothing
 * else (no other file, no network, no extensions). Aborting `signal` interrupts the running query.
 */
export async function openEngineSession(limits: EngineLimits, datasetPath: string, signal: AbortSignal): Promise<EngineSession> {
  const dir = await mkdtemp(join(limits.tempDir, 'offload-analysis-'));
  let instance: DuckDBInstance | undefined;
  let connection: DuckDBConnection;
  try {
    instance = await DuckDBInstance.create(join(dir, 'task.duckdb'), {
      memory_limit: `${limits.memoryLimitMb}MB`,
      threads: String(limits.threads),
      preserve_insertion_order: 'false',
      temp_directory: join(dir, 'spill'),
      autoinstall_known_extensions: 'false',
      autoload_known_extensions: 'false',
    });
    connection = await instance.connect();
    // Lists cannot be passed at creation; set them, then lock file access down for good.
    await connection.run(`SET allowed_paths = [${literal(datasetPath)}]`);
    await connection.run(`SET allowed_directories = [${literal(`${dir}/`)}]`);
    await connection.run('SET enable_external_access = false');
  } catch (err) {
    instance?.closeSync();
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  const onAbort = () => connection.interrupt();
  signal.addEventListener('abort', onAbort, { once: true });
  const guard = async <T>(work: () => Promise<T>): Promise<T> => {
    signal.throwIfAborted();
    try {
      return await work();
    } catch (err) {
      // An interrupted query fails with DuckDB's own error; report why it was interrupted.
      signal.throwIfAborted();
      throw err;
    }
  };
  return {
    query: (sql) => guard(async () => (await connection.runAndReadAll(sql)).getRowObjectsJson()),
    run: (sql) => guard(async () => void (await connection.run(sql))),
    async close() {
      signal.removeEventListener('abort', onAbort);
      connection.closeSync();
      instance.closeSync();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
