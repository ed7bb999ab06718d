import { describeEnv } from '@offload/config';
import { ERROR_CODES } from '@offload/contracts';
import { apiEnvSchema } from '@offload/api/testing';
import { workerEnvSchema } from '@offload/worker/testing';

function formatDefault(value: unknown): string {
  if (value === undefined) return '—';
  return `\`${String(value)}\``;
}

/** The README's configuration table, generated from the two config schemas (one place per fact). */
export function configTable(): string {
  const rows = new Map<string, { roles: string[]; defaultValue: unknown; description: string }>();
  for (const [role, schema] of [
    ['api', apiEnvSchema],
    ['worker', workerEnvSchema],
  ] as const) {
    for (const v of describeEnv(schema)) {
      const row = rows.get(v.name) ?? { roles: [], defaultValue: v.defaultValue, description: v.description };
      row.roles.push(role);
      rows.set(v.name, row);
    }
  }
  const lines = ['| variable | used by | default | meaning |', '|---|---|---|---|'];
  for (const [name, row] of rows) {
    lines.push(`| \`${name}\` | ${row.roles.join(', ')} | ${formatDefault(row.defaultValue)} | ${row.description} |`);
  }
  return lines.join('\n');
}

/** The README's error-code table, generated from contracts' ERROR_CODES. */
export function errorCodeTable(): string {
  const lines = ['| code | HTTP status | meaning | retry helps |', '|---|---|---|---|'];
  for (const [code, info] of Object.entries(ERROR_CODES)) {
    lines.push(`| \`${code}\` | ${info.status} | ${info.title} | ${info.retryable ? 'yes' : 'no'} |`);
  }
  return lines.join('\n');
}
