import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { configTable, errorCodeTable } from './docs';

const readme = readFileSync(resolve(__dirname, '../../README.md'), 'utf8');

/** The text between `<!-- name:start -->` and `<!-- name:end -->`. */
function section(name: string): string {
  const match = new RegExp(`<!-- ${name}:start -->\\n([\\s\\S]*?)\\n<!-- ${name}:end -->`).exec(readme);
  if (!match?.[1]) throw new Error(`README has no ${name} section`);
  return match[1];
}

describe('README', () => {
  it('shows the configuration table generated from the config schemas (run `npm run docs` to refresh)', () => {
    expect(section('config')).toBe(configTable());
  });

  it('shows the error-code table generated from contracts (run `npm run docs` to refresh)', () => {
    expect(section('error-codes')).toBe(errorCodeTable());
  });

  it('shows the two commands a new user needs', () => {
    expect(readme).toContain('npm ci && npm start');
    expect(readme).toContain('npm ci && npm test');
  });
});
