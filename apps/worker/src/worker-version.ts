import { readFileSync } from 'node:fs';
import { join } from 'node:path';

let cached: string | undefined;

/**
 * The worker package's version, from its package.json: one directory above this file both when
 * built (dist/) and under jest (src/). A heartbeat row names it, so a mixed fleet shows in
 * GET /v1/workers during a rolling deploy.
 */
export function workerVersion(): string {
  if (cached === undefined) {
    const parsed: unknown = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8'));
    const version: unknown = typeof parsed === 'object' && parsed !== null ? Reflect.get(parsed, 'version') : undefined;
    cached = typeof version === 'string' ? version : 'unknown';
  }
  return cached;
}
