// The baseline: DuckDB alone on the same file, in its own process, with the same memory limit.
//   tsx bench/lib/engine-alone.ts <csv> <memoryLimitMb> <summarize|exact>
import { DuckDBInstance } from '@duckdb/node-api';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

async function main(): Promise<void> {
  const [path = '', memoryMb = '358', mode = 'exact'] = process.argv.slice(2);
  const dir = await mkdtemp(join(tmpdir(), 'offload-engine-'));
  const instance = await DuckDBInstance.create(':memory:', { memory_limit: `${memoryMb}MB`, threads: '2', temp_directory: dir });
  const connection = await instance.connect();
  const source = `read_csv('${path.replaceAll("'", "''")}', header = true, sample_size = -1)`;
  const started = performance.now();
  if (mode === 'summarize') {
    await connection.runAndReadAll(`SUMMARIZE SELECT * FROM ${source}`);
  } else {
    // The same exact statistics offload reports, in one statement and one scan.
    const numeric = ['id', 'price', 'qty'].map(
      (c) => `count(${c}), avg(${c}), stddev_samp(${c}), min(${c}), quantile_cont(${c}, [0.25, 0.5, 0.75]), max(${c})`,
    );
    const other = ['active', 'created_at', 'category', 'note'].map((c) => `count(${c}), count(DISTINCT ${c})`);
    await connection.runAndReadAll(`SELECT ${[...numeric, ...other, 'corr(id, price)', 'corr(id, qty)', 'corr(price, qty)'].join(', ')} FROM ${source}`);
  }
  const seconds = (performance.now() - started) / 1000;
  connection.closeSync();
  instance.closeSync();
  await rm(dir, { recursive: true, force: true });
  process.stdout.write(`${JSON.stringify({ seconds })}\n`);
}

void main();
