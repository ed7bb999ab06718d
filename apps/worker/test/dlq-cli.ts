import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { openDeadLetterQueue, type DeadLetterEntry } from '@offload/broker';
import { TEST_AMQP_URL } from '@offload/test-support';
import type { WorkerHarness } from './harness';

/** The built `npm run dlq` entry: these tests run the CLI as a user does, in its own process. */
const CLI = resolve(__dirname, '../dist/dlq/main.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function assertCliBuilt(): void {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build first (npx turbo run build)`);
}

/** Runs `dlq <args>` on the harness's queue prefix and DATA_DIR, with `env` on top. */
export function runDlq(h: WorkerHarness, args: readonly string[], env: Record<string, string> = {}): Promise<CliResult> {
  const base = { PATH: process.env.PATH ?? '', AMQP_URL: TEST_AMQP_URL, QUEUE_PREFIX: h.topology.prefix, DATA_DIR: h.dataDir };
  return new Promise((done) => {
    execFile(process.execPath, [CLI, ...args], { env: { ...base, ...env } }, (err, stdout, stderr) => {
      done({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr });
    });
  });
}

/** Every dead letter, in queue order, mapped by `pick`; reading hands them all back. */
export async function readDeadLetters<T>(h: WorkerHarness, pick: (entry: DeadLetterEntry) => T): Promise<T[]> {
  const reader = await openDeadLetterQueue({ manager: h.manager, queue: h.topology.deadLetterQueue });
  try {
    return (await reader.readAll()).map(pick);
  } finally {
    await reader.close();
  }
}
