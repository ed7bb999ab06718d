import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { benchDatabase } from './record-stores';
import { renderTable, type RowResult } from './report';

export interface RowOptions {
  quick: boolean;
  /** Measured runs per side (interleaved). */
  runs: number;
  /**
   * The suite's DATA_DIR, fresh for each run and shared by every row (blobs, and the SQLite record
   * database); PostgreSQL's is the database record-stores.ts makes afresh. Each row uses its own
   * queue prefix.
   */
  dataDir: string;
  /** When set, offload's processes write V8 CPU profiles here. */
  profileDir?: string;
  log(line: string): void;
}

export function log(line: string): void {
  process.stdout.write(`  ${line}\n`);
}

/** Runs one row on its own: `npx tsx bench/<row>.ts [--quick] [--runs N] [--profile DIR]`. */
export function runRowCli(measure: (options: RowOptions) => Promise<RowResult>): void {
  const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false }, runs: { type: 'string' }, profile: { type: 'string' } } });
  const quick = values.quick ?? false;
  const run = async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'offload-bench-'));
    try {
      const postgres = await benchDatabase();
      log('error' in postgres ? postgres.error : `PostgreSQL ${postgres.version}: a fresh database`);
      const result = await measure({ quick, runs: Number(values.runs ?? (quick ? 2 : 3)), log, dataDir, ...(values.profile ? { profileDir: values.profile } : {}) });
      process.stdout.write(`${renderTable(result.lines)}\n(${result.seconds.toFixed(0)} s)\n`);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  };
  run().then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    },
  );
}
