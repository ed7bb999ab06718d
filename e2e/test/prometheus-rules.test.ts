// The alert rules and Prometheus config of deploy/observability, checked and unit-tested by
// Debian's promtool (package prometheus; .ci/run installs it).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './processes';

const DIR = join(REPO_ROOT, 'deploy/observability');

/** Runs promtool in deploy/observability; fails with one clear line when it is not installed. */
function promtool(args: readonly string[]): { status: number | null; output: string } {
  const result = spawnSync('promtool', args, { cwd: DIR, encoding: 'utf8' });
  if (result.error !== undefined) {
    throw new Error(`promtool is needed for these tests and could not be run (${result.error.message}): install it with \`apt-get install prometheus\` (Debian), as .ci/run does`);
  }
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('deploy/observability with promtool', () => {
  it('has valid alert rules', () => {
    const { status, output } = promtool(['check', 'rules', 'alerts.yaml']);
    expect([status, output]).toEqual([0, expect.stringContaining('SUCCESS: 6 rules found')]);
  });

  it('passes the rules unit tests of alerts.test.yaml', () => {
    const { status, output } = promtool(['test', 'rules', 'alerts.test.yaml']);
    expect([status, output]).toEqual([0, expect.stringContaining('SUCCESS')]);
  });

  it('has a valid Prometheus config (syntax: its secret file exists only in the container)', () => {
    const { status, output } = promtool(['check', 'config', '--syntax-only', 'prometheus.yml']);
    expect([status, output]).toEqual([0, expect.stringContaining('SUCCESS')]);
  });

  it('tests every alert of alerts.yaml in alerts.test.yaml', () => {
    const rules = readNames(join(DIR, 'alerts.yaml'), /^\s+- alert: (\w+)$/gm);
    const tested = readNames(join(DIR, 'alerts.test.yaml'), /^\s+alertname: (\w+)$/gm);
    expect([...tested].sort()).toEqual([...rules].sort());
  });
});

function readNames(path: string, pattern: RegExp): Set<string> {
  return new Set([...readFileSync(path, 'utf8').matchAll(pattern)].map((m) => m[1] as string));
}
