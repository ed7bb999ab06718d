import { randomBytes } from 'node:crypto';

/** W3C trace context (https://www.w3.org/TR/trace-context/): version 00 only. */
const TRACEPARENT_PATTERN = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

export function parseTraceparent(value: unknown): { traceId: string; parentId: string; flags: string } | undefined {
  if (typeof value !== 'string') return undefined;
  const match = TRACEPARENT_PATTERN.exec(value.trim());
  if (!match) return undefined;
  const [, traceId = '', parentId = '', flags = ''] = match;
  if (/^0+$/.test(traceId) || /^0+$/.test(parentId)) return undefined;
  return { traceId, parentId, flags };
}

/**
 * The traceparent to send downstream: a child span of the incoming one when it is valid,
 * otherwise undefined (offload does not start traces of its own).
 */
export function childTraceparent(incoming: unknown): string | undefined {
  const parent = parseTraceparent(incoming);
  if (!parent) return undefined;
  return `00-${parent.traceId}-${randomBytes(8).toString('hex')}-${parent.flags}`;
}
