import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './processes';

/**
 * npm runs no dependency's install script unless package.json's `allowScripts` says so. Every
 * package that has one is decided there (none needs it: each ships its binary as an optional
 * platform package), so `npm ci` has nothing to warn about.
 */
describe('install scripts', () => {
  it('has every installed package with an install script decided in allowScripts', () => {
    const out = execFileSync('npm', ['install-scripts', 'ls'], { cwd: REPO_ROOT, encoding: 'utf8' });
    expect(out.trim()).toBe('No packages with unreviewed install scripts.');
  });

  it('allows none of them: the prebuilt platform packages are enough', () => {
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { allowScripts?: Record<string, boolean> };
    expect(Object.entries(pkg.allowScripts ?? {}).filter(([, allowed]) => allowed)).toEqual([]);
  });
});
