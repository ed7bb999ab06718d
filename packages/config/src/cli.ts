import { ConfigError } from './env';

/** A table padded to its widest cells; the last column is not padded. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/**
 * Runs a command's `main` and sets the exit code: what it returns, or 1 when it throws. An error
 * the user can act on (a bad configuration, or one `expected` names: a database or broker that
 * cannot be reached) is one line; anything else is a bug and prints its stack.
 */
export function runCommand(name: string, main: () => Promise<number>, expected: (err: unknown) => boolean): void {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      if (err instanceof ConfigError || expected(err)) {
        process.stderr.write(`${name}: ${err instanceof Error ? err.message : String(err)}\n`);
      } else {
        process.stderr.write(`${name}: failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      }
      process.exitCode = 1;
    },
  );
}
