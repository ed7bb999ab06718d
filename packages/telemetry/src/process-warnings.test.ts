import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';

describe('logProcessWarnings', () => {
  it("turns Node's warnings into JSON log lines and prints nothing else", () => {
    const source = join(__dirname, '../test/fixtures/emit-warnings.ts');
    const run = spawnSync(process.execPath, ['--import', 'tsx', source], { encoding: 'utf8', cwd: __dirname });
    expect(run.status).toBe(0);
    expect(run.stderr).toBe('');
    const lines = run.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    const parsed = lines.map((line) => JSON.parse(line) as { level: string; msg: string; warning: { name: string; code?: string; message: string } });
    expect(parsed.map((p) => [p.level, p.msg, p.warning.name, p.warning.code])).toEqual([
      ['warn', 'node warning', 'Warning', undefined],
      ['warn', 'node warning', 'DeprecationWarning', 'DEP_OFFLOAD_TEST'],
    ]);
  });
});
