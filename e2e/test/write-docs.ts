// `npm run docs`: rewrites the generated README sections from the schemas.
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { configTable, errorCodeTable } from './docs';

const path = resolve(__dirname, '../../README.md');
let readme = readFileSync(path, 'utf8');
for (const [name, body] of [
  ['config', configTable()],
  ['error-codes', errorCodeTable()],
] as const) {
  readme = readme.replace(
    new RegExp(`(<!-- ${name}:start -->)[\\s\\S]*?(<!-- ${name}:end -->)`),
    (_match, start: string, end: string) => `${start}\n${body}\n${end}`,
  );
}
writeFileSync(path, readme);
