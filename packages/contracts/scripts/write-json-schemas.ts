// `npm run schemas`: writes schemas/*.schema.json from the zod schemas and deletes any that no
// longer has one (a removed task type). A test fails when the committed files drift from these.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SCHEMAS_DIR, renderJsonSchemaFiles } from './json-schema-files';

const files = renderJsonSchemaFiles();
mkdirSync(SCHEMAS_DIR, { recursive: true });
for (const stale of readdirSync(SCHEMAS_DIR).filter((f) => f.endsWith('.schema.json') && !files.has(f))) {
  rmSync(join(SCHEMAS_DIR, stale));
  process.stdout.write(`deleted schemas/${stale}\n`);
}
for (const [file, text] of files) {
  writeFileSync(join(SCHEMAS_DIR, file), text);
  process.stdout.write(`wrote schemas/${file}\n`);
}
