import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './processes';

/**
 * npm runs no dependency's install script unless package.json's `allowScripts` says so. Every
 * package that has one is decided there, so `npm ci` has nothing to warn about. Only
 * better-sqlite3 needs its script (it builds its native addon, or fetches a prebuilt one where the
 * network allows); the others ship their binaries as optional platform packages.
 */
describe('install scripts', () => {
  it('has every installed package with an install script decided in allowScripts', () => {
    const out = execFileSync('npm', ['install-scripts', 'ls'], { cwd: REPO_ROOT, encoding: 'utf8' });
    expect(out.trim()).toBe('No packages with unreviewed install scripts.');
  });

  it('allows only better-sqlite3: the others have prebuilt platform packages', () => {
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { allowScripts?: Record<string, boolean> };
    expect(Object.entries(pkg.allowScripts ?? {}).filter(([, allowed]) => allowed)).toEqual([['better-sqlite3', true]]);
  });
});
