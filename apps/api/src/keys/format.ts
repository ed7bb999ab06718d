import { formatTable } from '@offload/config';
import type { ApiKey } from '@offload/storage';

/** `2025-03-01T12:00:00.000Z` → `2025-03-01 12:00:00Z`: one word fewer to read, nothing lost but ms. */
function shortTime(iso: string): string {
  return iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

/** The key's own rate, or `default` for each part it leaves to RATE_LIMIT_RPS / RATE_LIMIT_BURST. */
export function formatRate(key: Pick<ApiKey, 'rateRps' | 'rateBurst'>): string {
  if (key.rateRps === undefined && key.rateBurst === undefined) return 'default';
  return `${key.rateRps === undefined ? 'default' : `${key.rateRps}/s`}, burst ${key.rateBurst ?? 'default'}`;
}

/** `keys list`: one line per key (never its secret), then a count. */
export function formatKeys(keys: readonly ApiKey[]): string {
  if (keys.length === 0) return 'no API keys (make one with: npm run keys -- create --name NAME --tenant TENANT --scopes SCOPE)';
  const table = formatTable(
    ['NAME', 'TENANT', 'SCOPES', 'KEY', 'CREATED', 'REVOKED', 'RATE'],
    keys.map((key) => [key.name, key.tenant, key.scopes.join(','), `${key.prefix}…`, shortTime(key.createdAt), key.revokedAt === undefined ? '-' : shortTime(key.revokedAt), formatRate(key)]),
  );
  const live = keys.filter((key) => key.revokedAt === undefined).length;
  return `${table}\n\n${keys.length} key${keys.length === 1 ? '' : 's'}, ${live} live`;
}
