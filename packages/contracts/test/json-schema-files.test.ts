import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SCHEMAS_DIR, WRITE_COMMAND, renderJsonSchemaFiles } from '../scripts/json-schema-files';

/**
 * The committed schemas/*.schema.json are what other services read (the package ships them), so
 * they must be exactly what the zod schemas generate: regenerated here, in memory, and compared.
 */
describe('schemas/*.schema.json', () => {
  const generated = renderJsonSchemaFiles();
  const committed = readdirSync(SCHEMAS_DIR).filter((f) => f.endsWith('.schema.json'));
  const fix = `run \`${WRITE_COMMAND}\` and commit schemas/`;

  it('holds one file per generated schema, and no other', () => {
    const missing = [...generated.keys()].filter((f) => !committed.includes(f));
    const stale = committed.filter((f) => !generated.has(f));
    if (missing.length > 0 || stale.length > 0) {
      throw new Error(`schemas/ has drifted (missing: ${missing.join(', ') || 'none'}; stale: ${stale.join(', ') || 'none'}): ${fix}`);
    }
    expect(committed.sort()).toEqual([...generated.keys()].sort());
  });

  it.each([...generated])('holds %s exactly as the zod schemas generate it', (file, text) => {
    const onDisk = committed.includes(file) ? readFileSync(join(SCHEMAS_DIR, file), 'utf8') : '';
    if (onDisk !== text) {
      const lines = onDisk.split('\n');
      const line = text.split('\n').findIndex((l, i) => l !== lines[i]) + 1;
      throw new Error(`schemas/${file} has drifted from the zod schemas (first difference at line ${line}): ${fix}`);
    }
    expect(onDisk).toBe(text);
  });
});
